package io.github.revnet.core.training;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.LearningRateSchedule;
import io.github.revnet.core.training.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains the same RevNet twice on Fashion-MNIST, from the same initialisation and data order: once
 * with stored activations, once with reconstruction. Records both losses every step and, at
 * sampled steps, the angle between the gradients the reversible model gets with stored and with
 * reconstructed activations at the same weights and batch (the paper's gradient-angle figure).
 */
public final class TrainingComparison {
    /** What to run. */
    public record Options(String model, int steps, int batch, long seed, double learningRate, LearningRateSchedule schedule,
            int angleEvery, int trainLimit, int testLimit, DType dtype, Precision precision, double dropPath) {
        /** Options without drop-path. */
        public Options(String model, int steps, int batch, long seed, double learningRate, LearningRateSchedule schedule, int angleEvery,
                int trainLimit, int testLimit, DType dtype, Precision precision) {
            this(model, steps, batch, seed, learningRate, schedule, angleEvery, trainLimit, testLimit, dtype, precision, 0);
        }

        /** Options under the fp32 policy. */
        public Options(String model, int steps, int batch, long seed, double learningRate, LearningRateSchedule schedule, int angleEvery,
                int trainLimit, int testLimit, DType dtype) {
            this(model, steps, batch, seed, learningRate, schedule, angleEvery, trainLimit, testLimit, dtype, Precision.FP32);
        }

        public Options {
            Objects.requireNonNull(precision, "precision").requireCompatible(dtype);
            Objects.requireNonNull(schedule, "schedule");
            io.github.revnet.core.Check.probability("drop-path", dropPath);
            Trainer.Options.defaults().learningRate(learningRate); // rejects a bad rate here, before any model is built
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (batch < 2) {
                throw new IllegalArgumentException("batch must be >= 2 (BatchNorm in training mode), got " + batch);
            }
            if (angleEvery < 1) {
                throw new IllegalArgumentException("angle sampling interval must be >= 1, got " + angleEvery);
            }
        }
    }

    /**
     * Where to save checkpoints and how often (every {@code every} steps and after the last); {@code resume} continues the
     * one there; {@code stopAfter}, when positive, ends a data-parallel run after that step's checkpoint, as a preempted
     * job would end (0: run to the end).
     */
    public record Checkpointing(Path dir, int every, boolean resume, int stopAfter) {
        public static final Checkpointing NONE = new Checkpointing(null, 0, false);

        public Checkpointing(Path dir, int every, boolean resume) {
            this(dir, every, resume, 0);
        }

        public Checkpointing {
            if (stopAfter < 0) {
                throw new IllegalArgumentException("the step to stop after must be >= 1 (0: none), got " + stopAfter);
            }
            if (stopAfter > 0 && dir == null) {
                throw new IllegalArgumentException("stopping after a step needs a checkpoint directory to resume from");
            }
            if (dir != null && every < 1) {
                throw new IllegalArgumentException("checkpoint interval must be >= 1 step, got " + every);
            }
            if (dir == null && resume) {
                throw new IllegalArgumentException("resuming needs a checkpoint directory");
            }
        }
    }

    /** One step's losses; the angle only at sampled steps. */
    public record Point(int step, double storedLoss, double reversibleLoss, Double gradAngleDegrees) {
        String csv() {
            return step + "," + storedLoss + "," + reversibleLoss + "," + (gradAngleDegrees == null ? "" : gradAngleDegrees);
        }

        static Point parse(String row) {
            String[] f = row.split(",", -1);
            return new Point(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    f[3].isEmpty() ? null : Double.valueOf(f[3]));
        }
    }

    /** Accuracy and final loss of one run. */
    public record Run(double testAccuracy, double finalLoss) {
    }

    public record Outcome(Options options, Run stored, Run reversible, List<Point> curve, double seconds) {
        /** The largest angle sampled over training (0 if none was). */
        public double maxGradAngleDegrees() {
            return curve.stream().filter(p -> p.gradAngleDegrees() != null).mapToDouble(Point::gradAngleDegrees).max().orElse(0);
        }
    }

    private TrainingComparison() {
    }

    public static Outcome run(FashionMnist data, Options o, Consumer<String> progress) {
        return run(data, o, Checkpointing.NONE, progress);
    }

    /** Trains stored and reversible from the same initialisation and data order, saving and resuming per {@code checkpointing}. */
    public static Outcome run(FashionMnist data, Options o, Checkpointing checkpointing, Consumer<String> progress) {
        try (Model stored = Model.create(o.model(), modelOptions(o)); Model reversible = Model.create(o.model(), modelOptions(o));
                Trainer storedTrainer = new Trainer(stored, sgd(o)); Trainer reversibleTrainer = new Trainer(reversible, sgd(o))) {
            Map<String, Trainer> trainers = new LinkedHashMap<>();
            trainers.put(Mode.STORED.label(), storedTrainer);
            trainers.put(Mode.REVERSIBLE.label(), reversibleTrainer);
            Loop loop = new Loop(data, o, checkpointing, "compare", trainers, progress);
            List<Point> curve = loop.rows().stream().map(Point::parse).collect(Collectors.toCollection(ArrayList::new));
            for (int step = loop.firstStep(); step <= o.steps(); step++) {
                int[] indices = loop.nextBatch(step);
                Point point;
                try (NativeScope scope = NativeScope.open()) {
                    Tensor[] batch = data.train().batch(indices, o.dtype());
                    // Both models draw each step's random ops (dropout, drop-path) from streams seeded by the step alone, so
                    // the two modes see the same masks and a resumed run the ones the uninterrupted run would have.
                    long rngSeed = DataParallelTraining.dropoutSeed(o.seed(), 0, step);
                    stored.reseed(rngSeed);
                    double storedLoss = storedTrainer.step(batch[0], batch[1], Mode.STORED);
                    if (step % o.angleEvery() == 0 || step == 1) {
                        GradientCheck.Result r = GradientCheck.run(reversible, batch[0], batch[1], rngSeed);
                        reversibleTrainer.applyGradients();
                        point = new Point(step, storedLoss, r.reversibleLoss(), r.gradAngleDegrees());
                    } else {
                        reversible.reseed(rngSeed);
                        point = new Point(step, storedLoss, reversibleTrainer.step(batch[0], batch[1], Mode.REVERSIBLE), null);
                    }
                }
                curve.add(point);
                if (point.gradAngleDegrees() != null || step == o.steps()) {
                    loop.report(String.format("step %d/%d  loss stored %.4f  reversible %.4f%s", step, o.steps(), point.storedLoss(),
                            point.reversibleLoss(), point.gradAngleDegrees() == null ? ""
                                    : String.format("  gradient angle %.2e deg", point.gradAngleDegrees())));
                }
                loop.stepDone(step, point.csv());
            }
            if (curve.isEmpty()) {
                throw new IllegalStateException("no steps were trained");
            }
            progress.accept("evaluating on the test set");
            Point last = curve.get(curve.size() - 1);
            Run storedRun = new Run(accuracy(stored, data.test(), o.testLimit()), last.storedLoss());
            Run reversibleRun = new Run(accuracy(reversible, data.test(), o.testLimit()), last.reversibleLoss());
            return new Outcome(o, storedRun, reversibleRun, curve, loop.seconds());
        }
    }

    /** Trains one model in one mode; returns its final loss and test accuracy. */
    public static Run single(FashionMnist data, Options o, Mode mode, Consumer<String> progress) {
        return single(data, o, mode, Checkpointing.NONE, progress);
    }

    public static Run single(FashionMnist data, Options o, Mode mode, Checkpointing checkpointing, Consumer<String> progress) {
        try (Model model = Model.create(o.model(), modelOptions(o)); Trainer trainer = new Trainer(model, sgd(o))) {
            Loop loop = new Loop(data, o, checkpointing, mode.label(), Map.of(mode.label(), trainer), progress);
            List<String> rows = loop.rows();
            double loss = rows.isEmpty() ? Double.NaN : Double.parseDouble(rows.get(rows.size() - 1).split(",")[1]);
            for (int step = loop.firstStep(); step <= o.steps(); step++) {
                int[] indices = loop.nextBatch(step);
                try (NativeScope scope = NativeScope.open()) {
                    Tensor[] batch = data.train().batch(indices, o.dtype());
                    loss = trainer.step(batch[0], batch[1], mode);
                }
                if (step % o.angleEvery() == 0 || step == o.steps()) {
                    loop.report(String.format("step %d/%d  loss %.4f", step, o.steps(), loss));
                }
                loop.stepDone(step, step + "," + loss);
            }
            progress.accept("evaluating on the test set");
            return new Run(accuracy(model, data.test(), o.testLimit()), loss);
        }
    }

    static ModelOptions modelOptions(Options o) {
        return ModelOptions.defaults().inputChannels(1).classes(FashionMnist.CLASSES).seed(o.seed()).dtype(o.dtype())
                .precision(o.precision()).dropPath(o.dropPath());
    }

    static Trainer.Options sgd(Options o) {
        return Trainer.Options.defaults().learningRate(o.learningRate());
    }

    /**
     * The bookkeeping shared by both kinds of run: the data order, elapsed time across resumes,
     * progress lines, and saving or restoring checkpoints.
     */
    private static final class Loop {
        private final Options options;
        private final Checkpointing checkpointing;
        private final TrainingCheckpoint checkpoint;
        private final Map<String, String> identity = new LinkedHashMap<>();
        private final Map<String, Trainer> trainers;
        private final Consumer<String> progress;
        private final DataOrder order;
        private final List<String> rows = new ArrayList<>();
        private final long start = System.nanoTime();
        private double secondsBefore;
        private int firstStep = 1;

        Loop(FashionMnist data, Options o, Checkpointing checkpointing, String run, Map<String, Trainer> trainers,
                Consumer<String> progress) {
            this.options = o;
            this.checkpointing = checkpointing;
            this.trainers = trainers;
            this.progress = progress;
            this.order = new DataOrder(Math.min(o.trainLimit(), data.train().size()), o.batch(), o.seed());
            identity.putAll(identity(o, run));
            this.checkpoint = checkpointing.dir() == null ? null : new TrainingCheckpoint(checkpointing.dir());
            if (checkpoint == null) {
                return;
            }
            if (!checkpointing.resume()) {
                if (checkpoint.exists()) {
                    throw new IllegalArgumentException(checkpoint.dir() + " already holds a checkpoint: resume it, or choose another directory");
                }
                return;
            }
            if (!checkpoint.exists()) {
                progress.accept("no checkpoint in " + checkpoint.dir() + " yet: starting at step 1");
                return;
            }
            TrainingCheckpoint.Saved saved = checkpoint.load(identity, trainers);
            if (saved.step() > o.steps()) {
                throw new IllegalArgumentException("the checkpoint in " + checkpoint.dir() + " is at step " + saved.step()
                        + ", beyond the " + o.steps() + " steps asked for");
            }
            for (int i = 0; i < saved.step(); i++) {
                order.next();
            }
            rows.addAll(saved.curveRows());
            secondsBefore = saved.seconds();
            firstStep = saved.step() + 1;
            progress.accept(String.format("resumed from the checkpoint in %s at step %d (%.0fs trained before)", checkpoint.dir(),
                    saved.step(), secondsBefore));
        }

        int firstStep() {
            return firstStep;
        }

        List<String> rows() {
            return List.copyOf(rows);
        }

        /** The step's batch indices, after setting every trainer's learning rate for {@code step}. */
        int[] nextBatch(int step) {
            double rate = options.schedule().at(options.learningRate(), step, options.steps());
            trainers.values().forEach(t -> t.learningRate(rate));
            return order.next();
        }

        double seconds() {
            return secondsBefore + (System.nanoTime() - start) / 1e9;
        }

        void report(String line) {
            progress.accept(String.format("%s  (%.0fs)", line, seconds()));
        }

        void stepDone(int step, String row) {
            rows.add(row);
            if (checkpoint != null && (step % checkpointing.every() == 0 || step == options.steps())) {
                checkpoint.save(identity, step, seconds(), trainers, rows);
            }
        }
    }

    /**
     * The settings that make a checkpoint belong to a run: a resumed run must match each of them. {@code run} names the
     * kind of run (a mode, "compare", or a data-parallel one).
     */
    static Map<String, String> identity(Options o, String run) {
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("run", run);
        identity.put("model", o.model());
        identity.put("dtype", o.dtype().label());
        if (o.precision() != Precision.FP32) {
            identity.put("precision", o.precision().label()); // absent under fp32, so checkpoints from before policies still resume
        }
        if (o.dropPath() > 0) {
            identity.put("drop_path", String.valueOf(o.dropPath()));
        }
        identity.put("batch", String.valueOf(o.batch()));
        identity.put("seed", String.valueOf(o.seed()));
        identity.put("learning_rate", String.valueOf(o.learningRate()));
        identity.put("schedule", o.schedule().label());
        if (o.schedule() != LearningRateSchedule.CONSTANT) {
            // The rate at each step depends on the run's length, so a resumed run must keep it.
            identity.put("steps", String.valueOf(o.steps()));
        }
        identity.put("angle_every", String.valueOf(o.angleEvery()));
        identity.put("train_limit", String.valueOf(o.trainLimit()));
        return identity;
    }

    /** Reshuffled epochs of batch indices, the same sequence for the same seed. */
    static final class DataOrder {
        private final int size;
        private final int batch;
        private final Random random;
        private int[] permutation;
        private int cursor;

        DataOrder(int size, int batch, long seed) {
            if (batch > size) {
                throw new IllegalArgumentException("batch " + batch + " is larger than the " + size + " training images");
            }
            this.size = size;
            this.batch = batch;
            this.random = new Random(seed);
            shuffle();
        }

        int[] next() {
            if (cursor + batch > size) {
                shuffle();
            }
            int[] indices = java.util.Arrays.copyOfRange(permutation, cursor, cursor + batch);
            cursor += batch;
            return indices;
        }

        private void shuffle() {
            permutation = io.github.revnet.core.distributed.DistributedSampler.shuffled(size, random);
            cursor = 0;
        }
    }

    /** Test accuracy in evaluation mode (running statistics), in batches of 500. */
    public static double accuracy(Model model, FashionMnist.Split test, int limit) {
        int n = Math.min(limit, test.size());
        return (double) correct(model, test, 0, n) / n;
    }

    /** How many of the test images {@code [first, end)} the model classifies right, in evaluation mode, in batches of 500. */
    public static int correct(Model model, FashionMnist.Split test, int first, int end) {
        int correct = 0;
        model.network().train(false);
        try {
            for (int from = first; from < end; from += 500) {
                int to = Math.min(end, from + 500);
                int[] indices = new int[to - from];
                for (int i = 0; i < indices.length; i++) {
                    indices[i] = from + i;
                }
                try (NativeScope scope = NativeScope.open()) {
                    Tensor[] batch = test.batch(indices, model.dtype());
                    Tensor predicted = Grad.off(() -> model.forward(batch[0], Mode.STORED).argmax(new org.bytedeco.pytorch.LongOptional(1),
                            false));
                    correct += (int) predicted.eq(batch[1]).sum().item_long();
                }
            }
        } finally {
            model.network().train(true);
        }
        return correct;
    }
}
