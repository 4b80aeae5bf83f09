package io.github.revnet.core.reversible;

import org.bytedeco.pytorch.Tensor;

/** y = x + h; x = y − h. Rounding only: the inverse amplifies nothing. */
final class AdditiveCoupling implements Coupling {
    @Override
    public Tensor combine(Tensor x, Tensor h) {
        return x.add(h);
    }

    @Override
    public Tensor uncombine(Tensor y, Tensor h) {
        return y.sub(h);
    }

    @Override
    public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
        return dy;
    }

    /** ∂(x + h)/∂h is the identity: dL/dy goes to h as it is. */
    @Override
    public Tensor[] backwardSeed(Tensor x, Tensor h, Tensor dy) {
        return new Tensor[] {h, dy};
    }

    @Override
    public int functionChannels(int halfChannels) {
        return halfChannels;
    }

    @Override
    public double inverseConditioning() {
        return 1;
    }

    @Override
    public String label() {
        return "additive";
    }

    @Override
    public String toString() {
        return label();
    }
}
