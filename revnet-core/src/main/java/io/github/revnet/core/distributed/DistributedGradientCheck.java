package io.github.revnet.core.distributed;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.reversible.Safeguards;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One data-parallel step, checked on one rank: the model takes rank 0's parameters, computes this rank's shard of a
 * global batch in a mode, and averages the gradients over the ranks; the result must equal the single-process
 * reference, the mean of every shard's stored-mode gradients, computed here alone. Each shard's passes draw dropout from
 * a stream seeded by (seed, shard), so a rank's masks differ from the others' and the reference draws the same ones.
 *
 * <p>With batch normalisation {@linkplain BatchNormStatistics#SYNCHRONISED synchronised}, the reference is what one
 * process computes on the whole global batch in stored mode, and the running statistics the step leaves must equal the
 * ones that pass leaves.
 */
public final class DistributedGradientCheck {
    private DistributedGradientCheck() {
    }

    /** A rank's verdict for one mode: the worst relative error over parameter tensors, which one, and a parameter checksum. */
    public record Outcome(int rank, Mode mode, double maxRelativeError, String worstParameter, String parameterChecksum,
            Double runningStatsMaxAbsDiff) {
    }

    /** Whose statistics batch normalisation takes in training mode. */
    public enum BatchNormStatistics {
        /** Each replica's own shard's, as DistributedDataParallel's default. */
        PER_REPLICA,
        /** The global batch's, summed over the replicas (SyncBatchNorm). */
        SYNCHRONISED
    }

    /** The shard of {@code global} (a batch of worldSize × perRank rows) that {@code rank} computes. */
    public static Tensor shard(Tensor global, int rank, int worldSize) {
        long perRank = global.size(0) / worldSize;
        return global.narrow(0, rank * perRank, perRank);
    }

    /** Runs the step in {@code mode} through {@code group} and compares. */
    public static Outcome run(ProcessGroup group, Model model, Tensor images, Tensor labels, Mode mode, long seed) {
        return run(group, model, images, labels, mode, seed, DistributedFault.NONE);
    }

    /**
     * As {@link #run(ProcessGroup, Model, Tensor, Tensor, Mode, long)} with batch normalisation synchronised over the
     * ranks, checked against one process on the global batch; the model must have no dropout (that process cannot draw
     * each rank's masks).
     */
    public static Outcome runSynchronised(ProcessGroup group, Model model, Tensor images, Tensor labels, Mode mode, long seed) {
        return runSynchronised(group, model, images, labels, mode, seed, SyncBatchNormFault.NONE);
    }

    /** As {@link #runSynchronised(ProcessGroup, Model, Tensor, Tensor, Mode, long)} with {@code fault} planted: a negative control. */
    public static Outcome runSynchronised(ProcessGroup group, Model model, Tensor images, Tensor labels, Mode mode, long seed,
            SyncBatchNormFault fault) {
        if (model.options().dropout() > 0) {
            throw new IllegalArgumentException("synchronised batch norm is checked against one process on the global batch, which"
                    + " cannot draw each rank's dropout masks: check with dropout 0");
        }
        int rank = group.rank();
        int size = group.size();
        group.broadcastFromRankZero(model.namedParameters());
        Map<String, Tensor> buffers = model.network().namedBuffers();
        group.broadcastFromRankZero(buffers);
        Map<String, Tensor> before = cloned(buffers);
        boolean[] forwardDone = {false};
        model.synchroniseBatchNorm(fault.plant(group.replicaSum(), () -> forwardDone[0]));
        try {
            GradientBuckets.averageDuring(group, model.namedParameters(), GradientBuckets.DEFAULT_CAP_BYTES, () -> {
                model.network().module().zero_grad(true);
                model.reseed(seed);
                try (NativeScope scope = NativeScope.open()) {
                    Tensor loss = model.loss(model.forward(shard(images, rank, size), mode), shard(labels, rank, size));
                    forwardDone[0] = true;
                    loss.backward();
                }
            });
        } finally {
            model.synchroniseBatchNorm(null);
        }
        Map<String, Tensor> mine = cloneGradients(model);
        Map<String, Tensor> myBuffers = cloned(buffers);
        restore(buffers, before);
        Map<String, Tensor> reference = gradients(model, images, labels, Mode.STORED, seed);
        double worst = 0;
        String worstName = null;
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            double err = GradientCheck.relativeError(mine.get(e.getKey()), e.getValue());
            if (!(err <= worst)) {
                worst = err;
                worstName = e.getKey();
            }
        }
        double statsDiff = 0;
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            double d = myBuffers.get(e.getKey()).to(torch.ScalarType.Double).sub(e.getValue().to(torch.ScalarType.Double)).abs().max()
                    .item_double();
            statsDiff = Double.isNaN(d) ? d : Math.max(statsDiff, d);
        }
        // Every rank leaves the step with the statistics the step gave, as training would.
        restore(buffers, myBuffers);
        return new Outcome(rank, mode, worst, worstName, checksum(model), statsDiff);
    }

    private static Map<String, Tensor> cloned(Map<String, Tensor> tensors) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, t.clone()));
        return out;
    }

    private static void restore(Map<String, Tensor> tensors, Map<String, Tensor> values) {
        io.github.revnet.bridge.Grad.off(() -> {
            tensors.forEach((name, t) -> t.copy_(values.get(name)));
            return null;
        });
    }

    /** As {@link #run(ProcessGroup, Model, Tensor, Tensor, Mode, long)}, with {@code fault} planted: a negative control. */
    public static Outcome run(ProcessGroup group, Model model, Tensor images, Tensor labels, Mode mode, long seed, DistributedFault fault) {
        int rank = group.rank();
        int size = group.size();
        group.broadcastFromRankZero(model.namedParameters());
        boolean brokenReplay = fault == DistributedFault.BROKEN_DROPOUT_REPLAY_ON_RANK_1 && rank == 1;
        if (brokenReplay) {
            model.network().reversibleStacks().forEach(s -> s.safeguards(Safeguards.ON.withoutRandomStateRestore()));
        }
        Runnable ownShard = () -> backward(model, shard(images, rank, size), shard(labels, rank, size), mode, seed + rank);
        if (fault == DistributedFault.NONE) {
            // Intact: averaged as training averages them, in buckets while the backward runs.
            GradientBuckets.averageDuring(group, model.namedParameters(), GradientBuckets.DEFAULT_CAP_BYTES, ownShard);
        } else {
            ownShard.run();
            if (brokenReplay) {
                model.network().reversibleStacks().forEach(s -> s.safeguards(Safeguards.ON));
            }
            fault.averageGradients(group, model.namedParameters());
        }
        Map<String, Tensor> mine = cloneGradients(model);
        Map<String, Tensor> reference = new LinkedHashMap<>();
        for (int r = 0; r < size; r++) {
            gradients(model, shard(images, r, size), shard(labels, r, size), Mode.STORED, seed + r).forEach((name, g) -> reference.merge(name, g,
                    Tensor::add));
        }
        double worst = 0;
        String worstName = null;
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            double err = GradientCheck.relativeError(mine.get(e.getKey()), e.getValue().div(new Scalar(size)));
            if (!(err <= worst)) {
                worst = err;
                worstName = e.getKey();
            }
        }
        return new Outcome(rank, mode, worst, worstName, checksum(model), null);
    }

    /** This shard's loss backpropagated in {@code mode} with the random stream at {@code seed}: its gradients in the parameters'. */
    private static void backward(Model model, Tensor images, Tensor labels, Mode mode, long seed) {
        model.network().module().zero_grad(true);
        model.reseed(seed);
        try (NativeScope scope = NativeScope.open()) {
            model.loss(model.forward(images, mode), labels).backward();
        }
    }

    /** As {@link #backward}, the gradients cloned. */
    private static Map<String, Tensor> gradients(Model model, Tensor images, Tensor labels, Mode mode, long seed) {
        backward(model, images, labels, mode, seed);
        return cloneGradients(model);
    }

    private static Map<String, Tensor> cloneGradients(Model model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            Tensor g = p.grad();
            if (g == null || !g.defined()) {
                throw new IllegalStateException("no gradient reached " + name);
            }
            out.put(name, g.clone());
        });
        return out;
    }

    /** The hash of the model's parameters: equal on every rank when they hold the same weights. */
    public static String checksum(Model model) {
        return WeightHash.of(model.namedParameters());
    }
}
