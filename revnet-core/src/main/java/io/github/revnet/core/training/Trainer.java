package io.github.revnet.core.training;

import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.Plan;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;

/**
 * Training steps for a model: cross-entropy loss, LibTorch's SGD with momentum and weight decay
 * (defaults as in Gomez et al.: lr 0.1, momentum 0.9, weight decay 1e-4).
 */
public final class Trainer implements AutoCloseable {
    private final NativeArena arena = new NativeArena();
    private final Model model;
    private final SGD optimizer;

    /** SGD options as a small value object. */
    public record Options(double learningRate, double momentum, double weightDecay) {
        public Options {
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be a positive finite number, got " + learningRate);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
            }
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be a non-negative finite number, got " + weightDecay);
            }
        }

        public static Options defaults() {
            return new Options(0.1, 0.9, 1e-4);
        }

        public Options learningRate(double value) {
            return new Options(value, momentum, weightDecay);
        }
    }

    public Trainer(Model model, Options options) {
        this.model = model;
        this.optimizer = arena.run(() -> {
            SGDOptions sgd = new SGDOptions(options.learningRate());
            sgd.momentum().put(options.momentum());
            sgd.weight_decay().put(options.weightDecay());
            return new SGD(model.network().module().parameters(true), sgd);
        });
    }

    /** One step: forward, loss, backward, optimizer update. Returns the loss before the update. */
    public double step(Tensor images, Tensor labels, Mode mode) {
        return step(images, labels, () -> model.forward(images, mode));
    }

    /** One step with each reversible stack in its {@code plan}'s mode (the hybrid mode). */
    public double step(Tensor images, Tensor labels, Plan plan) {
        return step(images, labels, () -> model.forward(images, plan));
    }

    private double step(Tensor images, Tensor labels, java.util.function.Supplier<Tensor> forward) {
        try (NativeScope scope = NativeScope.open()) {
            PhaseClock.time(Phase.OPTIMIZER, () -> {
                optimizer.zero_grad(false);
            });
            Tensor logits = PhaseClock.time(Phase.FORWARD_GRAPH, forward);
            Tensor loss = PhaseClock.time(Phase.LOSS, () -> model.loss(logits, labels));
            PhaseClock.time(Phase.BACKWARD, () -> {
                loss.backward();
            });
            PhaseClock.time(Phase.OPTIMIZER, () -> {
                optimizer.step();
            });
            return PhaseClock.time(Phase.LOSS, () -> loss.item_double());
        }
    }

    /** Gradients only (no update), leaving them in the parameters' grad. Returns the loss. */
    public double gradients(Tensor images, Tensor labels, Mode mode) {
        return gradients(labels, () -> model.forward(images, mode));
    }

    /** As {@link #gradients(Tensor, Tensor, Mode)}, each reversible stack in its {@code plan}'s mode. */
    public double gradients(Tensor images, Tensor labels, Plan plan) {
        return gradients(labels, () -> model.forward(images, plan));
    }

    private double gradients(Tensor labels, java.util.function.Supplier<Tensor> forward) {
        try (NativeScope scope = NativeScope.open()) {
            optimizer.zero_grad(false);
            Tensor loss = model.loss(forward.get(), labels);
            loss.backward();
            return loss.item_double();
        }
    }

    /** Sets the learning rate of every parameter group, for the steps that follow. */
    public void learningRate(double rate) {
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("learning rate must be a non-negative finite number, got " + rate);
        }
        try (NativeScope scope = NativeScope.open()) {
            var groups = optimizer.param_groups();
            for (long i = 0; i < groups.size(); i++) {
                groups.get(i).options().set_lr(rate);
            }
        }
    }

    /** The learning rate the next step will use (that of the first parameter group). */
    public double learningRate() {
        try (NativeScope scope = NativeScope.open()) {
            return optimizer.param_groups().get(0).options().get_lr();
        }
    }

    /** Applies the optimizer to the gradients currently held by the parameters (e.g. left there by a {@link GradientCheck}). */
    public void applyGradients() {
        try (NativeScope scope = NativeScope.open()) {
            optimizer.step();
        }
    }

    /** Writes the model's parameters and buffers and the optimizer's state (momentum) to {@code file}, in LibTorch's archive format. */
    public void save(Path file) {
        try (NativeScope scope = NativeScope.open()) {
            OutputArchive modelArchive = new OutputArchive();
            model.network().module().save(modelArchive);
            OutputArchive optimizerArchive = new OutputArchive();
            optimizer.save(optimizerArchive);
            OutputArchive archive = new OutputArchive();
            archive.write("model", modelArchive);
            archive.write("optimizer", optimizerArchive);
            archive.save_to(file.toString());
        }
    }

    /** Restores what {@link #save} wrote; the model must have the same architecture and dtype. */
    public void load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new IOException("no trainer state at " + file));
        }
        try (NativeScope scope = NativeScope.open()) {
            InputArchive archive = new InputArchive();
            archive.load_from(file.toString());
            InputArchive modelArchive = new InputArchive();
            archive.read("model", modelArchive);
            model.network().module().load(modelArchive);
            InputArchive optimizerArchive = new InputArchive();
            archive.read("optimizer", optimizerArchive);
            optimizer.load(optimizerArchive);
        } catch (RuntimeException e) {
            // LibTorch reports a foreign or mismatched archive as a c10::Error; name the file.
            throw new IllegalArgumentException("cannot restore trainer state from " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        arena.close();
    }
}
