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
 * weights stay equal bit for bit. By default BatchNorm normalises with each replica's own batch statistics, and its
 * running statistics are rank 0's, broadcast before each step ({@code broadcast_buffers=True}); with
 * {@link Replication#syncBatchNorm()} it normalises over the global batch (SyncBatchNorm), on every rank alike. Each
 * rank draws its dropout masks from a stream seeded by (seed, rank, step), so masks differ between ranks and a
 * reconstruction replays its own.
 *
 * <p>Every rank runs this with the same options; {@code batch} is the global batch, split evenly over the ranks.
 * Rank 0 alone writes checkpoints; every rank resumes from them. A run resumes at another rank count only where the
 * rank count changes nothing of what a step computes ({@link #resumesAtAnyWorldSize}): the global batch is the step's
 * alone, so what remains is batch normalisation's statistics (global with SyncBatchNorm, absent from the RevViTs) and
 * drop-path's masks (drawn per rank).
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

    /** How the replicas are kept one model: when gradients are averaged, and whether batch norm's statistics are global. */
    public record Replication(Averaging averaging, boolean syncBatchNorm) {
        public Replication {
            java.util.Objects.requireNonNull(averaging, "averaging");
        }

        /** Averaging {@code averaging}, batch norm per replica. */
        public static Replication of(Averaging averaging) {
            return new Replication(averaging, false);
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
            double[] stepSeconds, double[] allreduceSeconds, int lastStep, boolean stopped) {
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
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Replication replication) {
        return run(group, data, o, mode, null, checkpointing, progress, replication, DistributedFault.NONE);
    }

    /** As {@link #run(ProcessGroup, FashionMnist, TrainingComparison.Options, Mode, TrainingComparison.Checkpointing, Consumer, Averaging)}, in the hybrid mode: each reversible stack in its {@code plan}'s mode. */
    public static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Plan plan,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Replication replication) {
        return run(group, data, o, null, java.util.Objects.requireNonNull(plan, "plan"), checkpointing, progress, replication,
                DistributedFault.NONE);
    }

    /**
     * As {@link #run(ProcessGroup, FashionMnist, TrainingComparison.Options, Mode, TrainingComparison.Checkpointing, Consumer,
     * Averaging)}, with {@code fault}'s averaging bug planted (after the backward): a negative control for the weight hashes.
     */
    public static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Mode mode,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Replication replication, DistributedFault fault) {
        return run(group, data, o, java.util.Objects.requireNonNull(mode, "mode"), null, checkpointing, progress, replication, fault);
    }

    /** The run in {@code mode}, or with {@code mode} null in {@code plan}'s per-stack modes. */
    private static Result run(ProcessGroup group, FashionMnist data, TrainingComparison.Options o, Mode mode, Plan plan,
            TrainingComparison.Checkpointing checkpointing, Consumer<String> progress, Replication replication, DistributedFault fault) {
        Averaging averaging = replication.averaging();
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
        if (replication.syncBatchNorm()) {
            identity.put("sync_bn", "true"); // absent without, so checkpoints from before it still resume
        }
        TrainingCheckpoint checkpoint = checkpointing.dir() == null ? null : new TrainingCheckpoint(checkpointing.dir());
        long start = System.nanoTime();
        try (Model model = Model.create(o.model(), TrainingComparison.modelOptions(o));
                Trainer trainer = new Trainer(model, TrainingComparison.sgd(o));
                GradientBuckets buckets = averaging == Averaging.OVERLAPPED
                        ? new GradientBuckets(group, model.namedParameters(), GradientBuckets.DEFAULT_CAP_BYTES) : null) {
            if (plan != null) {
                model.validatePlan(plan);
            }
            if (replication.syncBatchNorm()) {
                model.synchroniseBatchNorm(group.replicaSum());
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
                requireSameRunAt(checkpoint, ranks, model, o, replication);
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
            identity.put("ranks", String.valueOf(ranks)); // saved for the record; checked on resume by requireSameRunAt
            int lastStep = checkpointing.stopAfter() > 0 ? Math.min(checkpointing.stopAfter(), o.steps()) : o.steps();
            double[] stepSeconds = new double[Math.max(0, lastStep - firstStep + 1)];
            double[] allreduceSeconds = new double[stepSeconds.length];
            for (int step = firstStep; step <= lastStep; step++) {
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
                if (step % o.angleEvery() == 0 || step == lastStep) {
                    say.accept(String.format("step %d/%d  loss %.4f  (%.0fs)", step, o.steps(), loss, seconds));
                }
                if (rank == 0 && checkpoint != null && (step % checkpointing.every() == 0 || step == lastStep)) {
                    checkpoint.save(identity, step, seconds, trainers, rows);
                }
            }
            // Each forward moved every replica's running statistics by its own batch; rank 0's are the model's, as at the
            // next step's start.
            group.broadcastFromRankZero(buffers);
            Map<String, Tensor> state = new LinkedHashMap<>(parameters);
            state.putAll(buffers);
            if (lastStep < o.steps()) {
                say.accept(String.format("stopped after step %d of %d, its checkpoint saved in %s: continue with --resume", lastStep,
                        o.steps(), checkpoint.dir()));
                List<String> hashes = hashes(group, state);
                return new Result(ranks, mode, plan, averaging, Double.NaN, loss, hashes, secondsBefore + (System.nanoTime() - start) / 1e9,
                        stepSeconds, allreduceSeconds, lastStep, true);
            }
            say.accept("evaluating on the test set");
            int n = Math.min(o.testLimit(), data.test().size());
            double correct = sum(group, TrainingComparison.correct(model, data.test(), rank * n / ranks, (rank + 1) * n / ranks));
            List<String> hashes = hashes(group, state);
            return new Result(ranks, mode, plan, averaging, correct / n, loss, hashes, secondsBefore + (System.nanoTime() - start) / 1e9, stepSeconds,
                    allreduceSeconds, lastStep, false);
        }
    }

    /** Every rank's weight hash (the first 64 bits), in rank order. */
    private static List<String> hashes(ProcessGroup group, Map<String, Tensor> state) {
        return group.gather(WeightHash.prefix(WeightHash.of(state))).stream().map(h -> String.format("%016x", h)).toList();
    }

    /**
     * Whether a run of {@code model} with these options computes the same steps at any rank count: its batch norm's
     * statistics are the global batch's (synchronised, or there is no batch norm) and it draws no per-rank masks (no
     * drop-path). Then a checkpoint of N ranks resumes at M.
     */
    public static boolean resumesAtAnyWorldSize(Model model, TrainingComparison.Options o, Replication replication) {
        return resumesAtAnyWorldSize(model.hasBatchNorm(), o, replication);
    }

    private static boolean resumesAtAnyWorldSize(boolean hasBatchNorm, TrainingComparison.Options o, Replication replication) {
        return (replication.syncBatchNorm() || !hasBatchNorm) && o.dropPath() == 0;
    }

    /** Refuses, naming why, a checkpoint that another rank count made, unless the rank count changes nothing here. */
    private static void requireSameRunAt(TrainingCheckpoint checkpoint, int ranks, Model model, TrainingComparison.Options o,
            Replication replication) {
        String why = whyNotResumableAt(checkpoint, ranks, model.hasBatchNorm(), o, replication);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
    }

    /**
     * Why the run saved in {@code checkpoint} cannot resume on {@code ranks} ranks with these settings, or null when it
     * can: what every rank checks after joining, and what a launcher can check before it starts any.
     */
    public static String whyNotResumableAt(TrainingCheckpoint checkpoint, int ranks, boolean hasBatchNorm, TrainingComparison.Options o,
            Replication replication) {
        String savedSync = checkpoint.setting("sync_bn");
        if ("true".equals(savedSync) && !replication.syncBatchNorm()) {
            return "the checkpoint in " + checkpoint.dir() + " was made with --sync-bn; resume it with --sync-bn too";
        }
        String saved = checkpoint.setting("ranks");
        if (saved == null || saved.equals(String.valueOf(ranks)) || resumesAtAnyWorldSize(hasBatchNorm, o, replication)) {
            return null;
        }
        String why = o.dropPath() > 0
                ? "each rank draws its drop-path masks from its own stream, so the masks of a step depend on the rank count"
                : "each rank's batch norm normalised over its own share of the global batch, so what a step computes depends on the rank"
                        + " count (train with --sync-bn to resume at any rank count)";
        return "the checkpoint in " + checkpoint.dir() + " was made on " + saved + " ranks, this run has " + ranks + ": " + why;
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
