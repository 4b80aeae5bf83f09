package io.github.revnet.core.reversible;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.NumericalFailure;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * y = x ⊙ s + t, where the function's output h holds a raw scale and a shift along the halves'
 * dimension, channels or features (h = [r, t]) and s = 1/2 + sigmoid(r + 2)/2 (as in MemCNN's and Glow's affine couplings, whose
 * sigmoid(r + 2) starts near the identity; halved and lifted here so that s stays in (1/2, 1)).
 *
 * <p>Conditioning: the inverse x = (y − t) / s divides by s > 1/2, so it amplifies an error in y
 * by less than 2 per half-step, 4 per block; the gate's tolerances scale by {@link #inverseConditioning}.
 * A non-finite inverse (a non-finite scale or shift, which a bounded s cannot otherwise produce)
 * raises an {@link IllegalStateException} instead of handing NaN gradients on.
 */
final class AffineCoupling implements Coupling {
    /** s from the raw half of h. (Scalars are native objects: made per call, inside the scope, never held in static fields.) */
    private static Tensor scale(Tensor h, int axis) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor raw = new Tensor(h.chunk(2, axis).get(0));
            Scalar half = new Scalar(0.5);
            return scope.keep(torch.sigmoid(raw.add(new Scalar(2.0))).mul(half).add(half));
        }
    }

    private static Tensor shift(Tensor h, int axis) {
        TensorVector halves = h.chunk(2, axis);
        return new Tensor(halves.get(1));
    }

    /**
     * The dimension along which h holds [r, t]: the one where h is twice as large as x (channels
     * for images, features for tokens). Every other dimension of the two agrees.
     */
    private static int axis(Tensor x, Tensor h) {
        for (int d = 0; d < x.dim(); d++) {
            if (h.size(d) != x.size(d)) {
                return d;
            }
        }
        throw new IllegalArgumentException("an affine coupling's function must output twice the features of its input half (scale and"
                + " shift), got the same shape " + java.util.Arrays.toString(io.github.revnet.bridge.Shapes.of(h)));
    }

    @Override
    public Tensor combine(Tensor x, Tensor h) {
        try (NativeScope scope = NativeScope.open()) {
            return scope.keep(x.mul(scale(h, axis(x, h))).add(shift(h, axis(x, h))));
        }
    }

    @Override
    public Tensor uncombine(Tensor y, Tensor h) {
        try (NativeScope scope = NativeScope.open()) {
            int axis = axis(y, h);
            Tensor x = y.sub(shift(h, axis)).div(scale(h, axis));
            if (!x.isfinite().all().item_bool()) {
                throw new NumericalFailure("the affine coupling's inverse is not finite: (y - shift) / scale has NaN or infinite"
                        + " elements (a non-finite scale or shift from F or G, or a non-finite output)");
            }
            return scope.keep(x);
        }
    }

    @Override
    public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
        try (NativeScope scope = NativeScope.open()) {
            return scope.keep(dy.mul(scale(h, axis(dy, h))));
        }
    }

    /**
     * h itself, with dL/dh in closed form: dL/dt = dy, and dL/dr = dy ⊙ x ⊙ ds/dr with ds/dr = σ(r + 2)(1 − σ(r + 2))/2.
     * The default would record combine(x, h), a sigmoid, a product and a sum, only to differentiate it at once.
     */
    @Override
    public Tensor[] backwardSeed(Tensor x, Tensor h, Tensor dy) {
        try (NativeScope scope = NativeScope.open()) {
            int axis = axis(x, h);
            Tensor sigma = torch.sigmoid(new Tensor(h.chunk(2, axis).get(0)).detach().add(new Scalar(2.0)));
            Tensor slope = sigma.mul(sigma.neg().add(new Scalar(1.0))).mul(new Scalar(0.5));
            Tensor raw = dy.mul(x.detach()).mul(slope);
            Tensor dh = torch.cat(new TensorVector(raw, dy), axis).to(h.scalar_type());
            return new Tensor[] {h, scope.keep(dh)};
        }
    }

    @Override
    public int functionChannels(int halfChannels) {
        return 2 * halfChannels;
    }

    @Override
    public double inverseConditioning() {
        return 4;
    }

    @Override
    public String label() {
        return "affine";
    }

    @Override
    public String toString() {
        return label();
    }
}
