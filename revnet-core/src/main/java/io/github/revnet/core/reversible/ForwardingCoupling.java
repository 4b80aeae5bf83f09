package io.github.revnet.core.reversible;

import org.bytedeco.pytorch.Tensor;

/**
 * A coupling that does what {@code inner} does: the base of decorators (profiling, the gate's planted
 * faults), which override only what they change.
 */
public abstract class ForwardingCoupling implements Coupling {
    protected final Coupling inner;

    protected ForwardingCoupling(Coupling inner) {
        this.inner = inner;
    }

    @Override
    public Tensor combine(Tensor x, Tensor h) {
        return inner.combine(x, h);
    }

    @Override
    public Tensor uncombine(Tensor y, Tensor h) {
        return inner.uncombine(y, h);
    }

    @Override
    public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
        return inner.gradientThroughCombine(dy, h);
    }

    @Override
    public Tensor[] backwardSeed(Tensor x, Tensor h, Tensor dy) {
        return inner.backwardSeed(x, h, dy);
    }

    @Override
    public int functionChannels(int halfChannels) {
        return inner.functionChannels(halfChannels);
    }

    @Override
    public double inverseConditioning() {
        return inner.inverseConditioning();
    }

    @Override
    public String label() {
        return inner.label();
    }
}
