package io.github.revnet.core.training;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.distributed.DistributedFault;
import io.github.revnet.core.distributed.DistributedSampler;
import io.github.revnet.core.distributed.GradientBuckets;
import io.github.revnet.core.distributed.ProcessGroup;
import io.github.revnet.core.distributed.WeightHash;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank of data-parallel training, with DistributedDataParallel's semantics: the model starts from rank 0's
 * parameters and buffers; at each step every rank computes its share of the global batch in its mode (stored,
 * reversible, checkpoint), the gradients are averaged over the ranks, and every rank applies the same update, so the
 * weights stay equal bit for bit. BatchNorm normalises with each replica's own batch statistics, and its running
 * statistics are rank 0's, broadcast before each step ({@code broadcast_buffers=True}). Each rank draws its dropout
 * masks from a stream seeded by (seed, rank, step), so masks differ between ranks and a reconstruction replays its own.
 *
 * <p>Every rank runs this with the same options; {@code batch} is the global batch, split evenly over the ranks.
 * Rank 0 alone writes checkpoints; every rank resumes from them.
 */
public final class DataParallelTraining {
    private DataParallelTraining() {
    }

    /** When the gradients are averaged over the ranks. */
    public enum Averaging {
        /** In buckets whose allreduces start during the backward, as soon as a bucket's gradients are all there ({@link GradientBuckets}). */
        OVERLAPPED("overlapped"),
        /** In one bucket once the backward is done: nothing overlaps. */
        AFTER_BACKWARD("after-backward");

        private final String label;

        Averaging(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Averaging parse(String label) {
            for (Averaging a : values()) {
                if (a.label.equals(label)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unknown averaging '" + label + "': use overlapped or after-backward");
        }
    }

    /**
     * What the run gave: test accuracy over the whole test set (each rank evaluates a share), the last step's loss
     * averaged over the ranks, each rank's weight hash (parameters and buffers), and time on this rank: the whole
     * run's, and per step trained here its wall time (from loading the batch to the update, the loss's allreduce
     * included) and the time it waited for the gradients' average after its backward (with {@link Averaging#OVERLAPPED},
     * what the backward did not hide).
     */
    public record Result(int ranks, Mode mode, Plan plan, Averaging averaging, double testAccuracy, double finalLoss, List<String> weightHashes, double seconds,
            double[] stepSeconds, double[] allreduceSeconds) {
        public int stepsTrained() {
            return stepSeconds.length;
        }

        /** The gradient allreduces' time over the run. */
        public double totalAllreduceSeconds() {
            return java.util.Arrays.stream(allreduceSeconds).sum();
        }

        /** Whether every rank ended with the same weights. */
        public boolean sameWeights() {
            return weightHashes.stream().distinct().count() == 1;
        }
    }

    /** Trains this rank of {@code group}; every rank must call it with the same arguments. */
    public static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Mode mode,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Averaging averaging) {
        return run(group, data, o, mode, null, checkpointing, progress, averaging, DistributedFault.NONE);
    }

    /** As {@link #run(ProcessGroup, FashionMnist, TrainingComparison.Options, Mode, TrainingComparison.Checkpointing, Consumer, Averaging)}, in the hybrid mode: each reversible stack in its {@code plan}'s mode. */
    public static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Plan plan,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Averaging averaging) {
        return run(group, data, o, null, java.util.Objects.requireNonNull(plan, "plan"), checkpointing, progress, averaging,
                DistributedFault.NONE);
    }

    /**
     * As {@link #run(ProcessGroup, FashionMnist, TrainingComparison.Options, Mode, TrainingComparison.Checkpointing, Consumer,
     * Averaging)}, with {@code fault}'s averaging bug planted (after the backward): a negative control for the weight hashes.
     */
    public static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Mode mode,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Averaging averaging, DistributedFault fault) {
        return run(group, data, o, java.util.Objects.requireNonNull(mode, "mode"), null, checkpointing, progress, averaging, fault);
    }

    /** The run in {@code mode}, or with {@code mode} null in {@code plan}'s per-stack modes. */
    private static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Mode mode, Plan plan,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Averaging averaging, DistributedFault fault) {
        if (fault != DistributedFault.NONE && averaging != Averaging.AFTER_BACKWARD) {
            throw new IllegalArgumentException("the planted faults lie in averaging after the backward, not " + averaging.label());
        }
        int ranks = group.size();
        int rank = group.rank();
        if (o.batch() % ranks != 0) {
            throw new IllegalArgumentException("the global batch " + o.batch() + " does not split evenly over " + ranks + " ranks");
        }
        DistributedSampler sampler = new DistributedSampler(Math.min(o.trainLimit(), data.train().size()), o.batch() / ranks, ranks,
                rank, o.seed());
        Consumer<String> say = rank == 0 ? progress : line -> { };
        String label = mode != null ? mode.label() : "hybrid " + plan.label();
        Map<String, String> identity = TrainingComparison.identity(o, "data-parallel " + label);
        identity.put("ranks", String.valueOf(ranks));
        TrainingCheckpoint checkpoint = checkpointing.dir() == null ? null : new TrainingCheckpoint(checkpointing.dir());
        long start = System.nanoTime();
        try (Model model = Model.create(o.model(), TrainingComparison.modelOptions(o));
                Trainer trainer = new Trainer(model, TrainingComparison.sgd(o));
                GradientBuckets buckets = averaging == Averaging.OVERLAPPED
                        ? new GradientBuckets(group, model.namedParameters(), GradientBuckets.DEFAULT_CAP_BYTES) : null) {
            if (plan != null) {
                model.validatePlan(plan);
            }
            Map<String, Trainer> trainers = Map.of(mode != null ? mode.label() : "hybrid", trainer);
            int firstStep = 1;
            double secondsBefore = 0;
            double loss = Double.NaN;
            List<String> rows = new ArrayList<>();
            if (checkpoint != null && checkpoint.exists()) {
                if (!checkpointing.resume()) {
                    throw new IllegalArgumentException(checkpoint.dir() + " already holds a checkpoint: resume it, or choose another directory");
                }
                TrainingCheckpoint.Saved saved = checkpoint.load(identity, trainers);
                if (saved.step() > o.steps()) {
                    throw new IllegalArgumentException("the checkpoint in " + checkpoint.dir() + " is at step " + saved.step()
                            + ", beyond the " + o.steps() + " steps asked for");
                }
                firstStep = saved.step() + 1;
                secondsBefore = saved.seconds();
                rows.addAll(saved.curveRows());
                loss = rows.isEmpty() ? Double.NaN : Double.parseDouble(rows.get(rows.size() - 1).split(",")[1]);
                say.accept(String.format("resumed from the checkpoint in %s at step %d", checkpoint.dir(), saved.step()));
            }
            Map<String, Tensor> parameters = model.namedParameters();
            Map<String, Tensor> buffers = model.network().namedBuffers();
            group.broadcastFromRankZero(parameters);
            group.broadcastFromRankZero(buffers);
            double[] stepSeconds = new double[o.steps() - firstStep + 1];
            double[] allreduceSeconds = new double[stepSeconds.length];
            for (int step = firstStep; step <= o.steps(); step++) {
                long stepStart = System.nanoTime();
                trainer.learningRate(o.schedule().at(o.learningRate(), step, o.steps()));
                int[] indices = sampler.indices(step);
                try (NativeScope scope = NativeScope.open()) {
                    Tensor[] batch = data.train().batch(indices, o.dtype());
                    group.broadcastFromRankZero(buffers);
                    model.reseed(dropoutSeed(o.seed(), rank, step));
                    double local = mode != null ? trainer.gradients(batch[0], batch[1], mode)
                            : trainer.gradients(batch[0], batch[1], plan);
                    long t0 = System.nanoTime();
                    if (buckets != null) {
                        buckets.finish();
                    } else {
                        fault.averageGradients(group, parameters);
                    }
                    allreduceSeconds[step - firstStep] = (System.nanoTime() - t0) / 1e9;
                    trainer.applyGradients();
                    loss = mean(group, local);
                }
                stepSeconds[step - firstStep] = (System.nanoTime() - stepStart) / 1e9;
                rows.add(step + "," + loss);
                double seconds = secondsBefore + (System.nanoTime() - start) / 1e9;
                if (step % o.angleEvery() == 0 || step == o.steps()) {
                    say.accept(String.format("step %d/%d  loss %.4f  (%.0fs)", step, o.steps(), loss, seconds));
                }
                if (rank == 0 && checkpoint != null && (step % checkpointing.every() == 0 || step == o.steps())) {
                    checkpoint.save(identity, step, seconds, trainers, rows);
                }
            }
            // Each forward moved every replica's running statistics by its own batch; rank 0's are the model's, as at the
            // next step's start.
            group.broadcastFromRankZero(buffers);
            say.accept("evaluating on the test set");
            int n = Math.min(o.testLimit(), data.test().size());
            double correct = sum(group, TrainingComparison.correct(model, data.test(), rank * n / ranks, (rank + 1) * n / ranks));
            Map<String, Tensor> state = new LinkedHashMap<>(parameters);
            state.putAll(buffers);
            List<String> hashes = group.gather(WeightHash.prefix(WeightHash.of(state))).stream()
                    .map(h -> String.format("%016x", h)).toList();
            return new Result(ranks, mode, plan, averaging, correct / n, loss, hashes, secondsBefore + (System.nanoTime() - start) / 1e9, stepSeconds,
                    allreduceSeconds);
        }
    }

    /**
     * The seed of a rank's dropout stream at a step: distinct for each (seed, rank, step), and a function of them alone,
     * so a resumed run draws the masks the uninterrupted one would have.
     */
    static long dropoutSeed(long seed, int rank, int step) {
        return mix(mix(mix(seed) ^ rank) ^ step);
    }

    /** A 64-bit finaliser (MurmurHash3's), so that nearby inputs give unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static double mean(ProcessGroup group, double value) {
        return sum(group, value) / group.size();
    }

    private static double sum(ProcessGroup group, double value) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor t = torch.zeros(new long[] {1}, new TensorOptions(torch.ScalarType.Double)).fill_(new Scalar(value));
            group.allreduceSum(t);
            return t.item_double();
        }
    }
}
