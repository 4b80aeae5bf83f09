package io.github.revnet.core;

import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Measured peak activation memory of one forward/backward through a layer: the peak during the
 * pass minus what was resident before it (parameters, their already-allocated gradients, the
 * input). Measured by {@link MemoryMeter}, never computed from shapes.
 */
public final class ActivationMemory {
    private ActivationMemory() {
    }

    /** Peak bytes of a forward/backward of {@code stack} in {@code mode}, gradients allocated beforehand. */
    public static long ofStack(ReversibleStack stack, Tensor input, Mode mode) {
        Tensor x = input.detach();
        x.requires_grad_(true);
        Runnable pass = () -> {
            try (NativeScope scope = NativeScope.open()) {
                stack.forward(x, mode).sum().backward();
            }
        };
        pass.run(); // allocates parameter gradients, warms kernels: neither is activation memory
        stack.module().zero_grad(false);
        return MemoryMeter.measure(pass::run).peakBytes();
    }

    /** Peak bytes of one training-style forward/backward of {@code model}, gradients allocated beforehand. */
    public static long ofModel(Model model, Tensor images, Tensor labels, Mode mode) {
        return leastOfModel(model, images, labels, mode, 1);
    }

    /** As {@link #leastOfModel(Model, Tensor, Tensor, Plan, int)}, with every reversible stack in {@code mode}. */
    public static long leastOfModel(Model model, Tensor images, Tensor labels, Mode mode, int readings) {
        model.validateInput(images, mode);
        return leastOfModel(model, images, labels, Plan.uniform(mode, model.network().reversibleStacks().size()), readings);
    }

    /** As {@link #ofModel(Model, Tensor, Tensor, Mode)}, with each reversible stack in its plan's mode. */
    public static long ofModel(Model model, Tensor images, Tensor labels, Plan plan) {
        return leastOfModel(model, images, labels, plan, 1);
    }

    /**
     * The least of {@code readings} measurements of {@link #ofModel(Model, Tensor, Tensor, Plan)},
     * after one shared warm-up pass: a single reading can land a transient allocation of the JVM or
     * the allocator in the process-level peak, which only ever raises it.
     */
    public static long leastOfModel(Model model, Tensor images, Tensor labels, Plan plan, int readings) {
        Check.positive("readings", readings);
        Runnable pass = () -> {
            try (NativeScope scope = NativeScope.open()) {
                model.loss(model.forward(images, plan), labels).backward();
            }
        };
        pass.run();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < readings; i++) {
            model.network().module().zero_grad(false);
            least = Math.min(least, MemoryMeter.measure(pass::run).peakBytes());
        }
        return least;
    }
}
