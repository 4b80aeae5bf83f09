package io.github.revnet.core.checks;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * One forward/backward of a layer from a fixed starting point, the unit every comparison of modes
 * is made of: the gradient check and the gate run it once per mode and compare what it returns.
 * The caller puts the layer's buffers back ({@link Buffers#restore}) and reseeds its random
 * stream before each pass, so that every mode starts from the same state.
 */
public final class ModePass {
    private ModePass() {
    }

    /** What one pass leaves: the loss, every parameter's gradient (null where none), the input's, and the buffers after. */
    public record Result(double loss, List<Tensor> parameterGradients, Tensor inputGradient, List<Tensor> buffersAfter) {
        /** The parameters' gradients followed by the input's, when it has one. */
        public List<Tensor> allGradients() {
            List<Tensor> all = new ArrayList<>(parameterGradients);
            if (inputGradient != null) {
                all.add(inputGradient);
            }
            return all;
        }
    }

    /** A layer's buffers (BatchNorm's running statistics) as they were, to start each mode's pass from. */
    public static final class Buffers {
        private final List<Tensor> targets;
        private final List<Tensor> saved;

        private Buffers(List<Tensor> targets) {
            this.targets = targets;
            this.saved = Grad.off(() -> targets.stream().map(Tensor::clone).toList());
        }

        /** The buffers of {@code layer} now. */
        public static Buffers of(Layer layer) {
            return new Buffers(layer.buffers());
        }

        /** Puts the buffers back where they were. */
        public void restore() {
            try (NativeScope scope = NativeScope.open()) {
                Grad.off(() -> {
                    for (int i = 0; i < targets.size(); i++) {
                        targets.get(i).copy_(saved.get(i));
                    }
                    return null;
                });
            }
        }
    }

    /** A step of the pass that may run between forward and backward or after backward; null for none. */
    public record Hooks(Runnable betweenForwardAndBackward, Runnable afterBackward) {
        public static final Hooks NONE = new Hooks(null, null);
    }

    /**
     * Zeroes {@code layer}'s gradients, computes {@code loss} of the input (a detached alias that
     * records its gradient when {@code inputRequiresGrad}), backpropagates, and returns the
     * gradients and buffers, cloned.
     */
    public static Result run(Layer layer, Tensor input, boolean inputRequiresGrad, UnaryOperator<Tensor> loss, Hooks hooks) {
        layer.module().zero_grad(true);
        Tensor x = input.detach();
        x.requires_grad_(inputRequiresGrad);
        double value;
        try (NativeScope scope = NativeScope.open()) {
            Tensor l = loss.apply(x);
            if (hooks.betweenForwardAndBackward() != null) {
                hooks.betweenForwardAndBackward().run();
            }
            l.backward();
            value = l.item_double();
        }
        if (hooks.afterBackward() != null) {
            hooks.afterBackward().run();
        }
        List<Tensor> gradients = new ArrayList<>();
        for (Tensor p : layer.parameters()) {
            gradients.add(p.grad().defined() ? p.grad().clone() : null);
        }
        Tensor inputGradient = inputRequiresGrad ? x.grad().clone() : null;
        return new Result(value, gradients, inputGradient, Grad.off(() -> layer.buffers().stream().map(Tensor::clone).toList()));
    }
}
