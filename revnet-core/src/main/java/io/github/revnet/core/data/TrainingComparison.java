package io.github.revnet.core.data;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.GradientCheck;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Model;
import io.github.revnet.core.ModelOptions;
import io.github.revnet.core.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains the same RevNet twice on Fashion-MNIST, from the same initialisation and data order: once
 * with stored activations, once with reconstruction. Records both losses every step and, at
 * sampled steps, the angle between the gradients the reversible model gets with stored and with
 * reconstructed activations at the same weights and batch (the paper's gradient-angle figure).
 */
public final class TrainingComparison {
    /** What to run. */
    public record Options(String model, int steps, int batch, long seed, double learningRate, int angleEvery, int trainLimit,
            int testLimit, DType dtype) {
        public Options {
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

    /** One step's losses; the angle only at sampled steps. */
    public record Point(int step, double storedLoss, double reversibleLoss, Double gradAngleDegrees) {
    }

    /** Accuracy and final loss of one run. */
    public record Run(double testAccuracy, double finalLoss) {
    }

    public record Outcome(Run stored, Run reversible, double maxGradAngleDegrees, List<Point> curve, double seconds) {
    }

    private TrainingComparison() {
    }

    public static Outcome run(FashionMnist data, Options o, Consumer<String> progress) {
        long start = System.nanoTime();
        int trainSize = Math.min(o.trainLimit(), data.train().size());
        ModelOptions modelOptions = ModelOptions.defaults().inputChannels(1).classes(FashionMnist.CLASSES).seed(o.seed()).dtype(o.dtype());
        Trainer.Options sgd = Trainer.Options.defaults().learningRate(o.learningRate());
        List<Point> curve = new ArrayList<>();
        double maxAngle = 0;
        try (Model stored = Model.create(o.model(), modelOptions); Model reversible = Model.create(o.model(), modelOptions);
                Trainer storedTrainer = new Trainer(stored, sgd); Trainer reversibleTrainer = new Trainer(reversible, sgd)) {
            DataOrder order = new DataOrder(trainSize, o.batch(), o.seed());
            for (int step = 1; step <= o.steps(); step++) {
                int[] indices = order.next();
                try (NativeScope scope = NativeScope.open()) {
                    Tensor[] batch = data.train().batch(indices, o.dtype());
                    double storedLoss = storedTrainer.step(batch[0], batch[1], Mode.STORED);
                    Double angle = null;
                    double reversibleLoss;
                    if (step % o.angleEvery() == 0 || step == 1) {
                        GradientCheck.Result r = GradientCheck.run(reversible, batch[0], batch[1]);
                        reversibleTrainer.applyGradients();
                        reversibleLoss = r.reversibleLoss();
                        angle = r.gradAngleDegrees();
                        maxAngle = Math.max(maxAngle, angle);
                    } else {
                        reversibleLoss = reversibleTrainer.step(batch[0], batch[1], Mode.REVERSIBLE);
                    }
                    curve.add(new Point(step, storedLoss, reversibleLoss, angle));
                    if (angle != null || step == o.steps()) {
                        progress.accept(String.format("step %d/%d  loss stored %.4f  reversible %.4f%s  (%.0fs)", step, o.steps(), storedLoss,
                                reversibleLoss, angle == null ? "" : String.format("  gradient angle %.2e deg", angle),
                                (System.nanoTime() - start) / 1e9));
                    }
                }
            }
            progress.accept("evaluating on the test set");
            Run storedRun = new Run(accuracy(stored, data.test(), o.testLimit()), curve.get(curve.size() - 1).storedLoss());
            Run reversibleRun = new Run(accuracy(reversible, data.test(), o.testLimit()), curve.get(curve.size() - 1).reversibleLoss());
            return new Outcome(storedRun, reversibleRun, maxAngle, curve, (System.nanoTime() - start) / 1e9);
        }
    }

    /** Trains one model in one mode; returns its final loss and test accuracy. */
    public static Run single(FashionMnist data, Options o, Mode mode, Consumer<String> progress) {
        long start = System.nanoTime();
        int trainSize = Math.min(o.trainLimit(), data.train().size());
        ModelOptions modelOptions = ModelOptions.defaults().inputChannels(1).classes(FashionMnist.CLASSES).seed(o.seed()).dtype(o.dtype());
        try (Model model = Model.create(o.model(), modelOptions);
                Trainer trainer = new Trainer(model, Trainer.Options.defaults().learningRate(o.learningRate()))) {
            DataOrder order = new DataOrder(trainSize, o.batch(), o.seed());
            double loss = Double.NaN;
            for (int step = 1; step <= o.steps(); step++) {
                try (NativeScope scope = NativeScope.open()) {
                    Tensor[] batch = data.train().batch(order.next(), o.dtype());
                    loss = trainer.step(batch[0], batch[1], mode);
                }
                if (step % o.angleEvery() == 0 || step == o.steps()) {
                    progress.accept(String.format("step %d/%d  loss %.4f  (%.0fs)", step, o.steps(), loss, (System.nanoTime() - start) / 1e9));
                }
            }
            progress.accept("evaluating on the test set");
            return new Run(accuracy(model, data.test(), o.testLimit()), loss);
        }
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
            permutation = new int[size];
            for (int i = 0; i < size; i++) {
                permutation[i] = i;
            }
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
            cursor = 0;
        }
    }

    /** Test accuracy in evaluation mode (running statistics), in batches of 500. */
    public static double accuracy(Model model, FashionMnist.Split test, int limit) {
        int n = Math.min(limit, test.size());
        int correct = 0;
        model.network().train(false);
        try {
            for (int from = 0; from < n; from += 500) {
                int to = Math.min(n, from + 500);
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
        return (double) correct / n;
    }
}
