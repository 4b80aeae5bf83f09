package io.github.revnet.core.checks;

import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Check;
import io.github.revnet.core.Mode;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.Plan;
import io.github.revnet.core.reversible.ReversibleStack;
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
        return repeatedOfModel(model, images, labels, mode, 1);
    }

    /** As {@link #repeatedOfModel(Model, Tensor, Tensor, Plan, int)}, with every reversible stack in {@code mode}. */
    public static long repeatedOfModel(Model model, Tensor images, Tensor labels, Mode mode, int maxReadings) {
        model.validateInput(images, mode);
        return repeatedOfModel(model, images, labels, Plan.uniform(mode, model.network().reversibleStacks().size()), maxReadings);
    }

    /** As {@link #ofModel(Model, Tensor, Tensor, Mode)}, with each reversible stack in its plan's mode. */
    public static long ofModel(Model model, Tensor images, Tensor labels, Plan plan) {
        return readings(model, images, labels, plan, 1)[0];
    }

    /**
     * A reading of {@link #ofModel(Model, Tensor, Tensor, Plan)} that another reading repeats, after
     * one shared warm-up pass: readings until two agree within 1% (64 KB at least), at most
     * {@code maxReadings}; the median if none do. An undisturbed pass reads the same to a few KB,
     * but the JVM's own threads (its compiler, the collector, JavaCPP's deallocator) allocate and
     * free beside the measured thread, and moved single readings of revnet-38 at batch 32 by
     * -9 MB to +4 MB, either way; the least of two readings chose the low ones.
     */
    public static long repeatedOfModel(Model model, Tensor images, Tensor labels, Plan plan, int maxReadings) {
        Check.positive("maxReadings", maxReadings);
        long[] all = readings(model, images, labels, plan, maxReadings);
        java.util.Arrays.sort(all);
        return all[all.length / 2];
    }

    private static long[] readings(Model model, Tensor images, Tensor labels, Plan plan, int maxReadings) {
        Runnable pass = () -> {
            try (NativeScope scope = NativeScope.open()) {
                model.loss(model.forward(images, plan), labels).backward();
            }
        };
        pass.run();
        java.util.List<Long> taken = new java.util.ArrayList<>();
        for (int i = 0; i < maxReadings; i++) {
            model.network().module().zero_grad(false);
            long reading = MemoryMeter.measure(pass::run).peakBytes();
            for (long earlier : taken) {
                if (Math.abs(reading - earlier) <= Math.max(64 * 1024, 0.01 * Math.max(reading, earlier))) {
                    return new long[] {Math.min(reading, earlier)};
                }
            }
            taken.add(reading);
        }
        return taken.stream().mapToLong(Long::longValue).toArray();
    }
}
