package io.github.revnet.core.reversible;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Test helper: the gradients of sum(w ⊙ stack(x)) in one mode, with the stack's random stream reseeded for the pass. */
final class StackGradients {
    private StackGradients() {
    }

    /** Every parameter's gradient, then the input's when {@code inputGrad}; clones that outlive the pass. */
    static Tensor[] of(ReversibleStack s, Tensor x0, Tensor w, Mode mode, boolean inputGrad, long seed) {
        s.module().zero_grad(true);
        Tensor x = x0.detach().clone();
        x.requires_grad_(inputGrad);
        s.reseed(seed);
        try (NativeScope scope = NativeScope.open()) {
            s.forward(x, mode).mul(w).sum().backward();
        }
        List<Tensor> params = s.parameters();
        Tensor[] out = new Tensor[params.size() + (inputGrad ? 1 : 0)];
        for (int i = 0; i < params.size(); i++) {
            out[i] = params.get(i).grad().clone();
        }
        if (inputGrad) {
            out[params.size()] = x.grad().clone();
        }
        return out;
    }
}
