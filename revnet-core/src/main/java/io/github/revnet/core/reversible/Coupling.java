package io.github.revnet.core.reversible;

import org.bytedeco.pytorch.Tensor;

/**
 * How a reversible block joins one half of its input with the output h of F or G applied to the
 * other half: y = combine(x, h), exactly invertible as x = uncombine(y, h). The block computes
 * y1 = combine(x1, F(x2)), y2 = combine(x2, G(y1)); the reversible backward (Algorithm 1) is
 * written once against this interface, so every coupling gets the memory-free backward, random
 * replay, BatchNorm freezing and checkpointing.
 */
public interface Coupling {
    /** The additive coupling of Gomez et al. (2017): y = x + h. */
    Coupling ADDITIVE = new AdditiveCoupling();

    /** An affine coupling: y = x ⊙ scale(h) + shift(h), with the scale in (1/2, 1) by construction. */
    Coupling AFFINE = new AffineCoupling();

    /** y from x and the function's output h. */
    Tensor combine(Tensor x, Tensor h);

    /** x from y and h: the exact inverse of {@link #combine}. */
    Tensor uncombine(Tensor y, Tensor h);

    /** dL/dx of y = combine(x, h) with h held fixed, given dL/dy. */
    Tensor gradientThroughCombine(Tensor dy, Tensor h);

    /**
     * What the reversible backward differentiates so that h, and through it the function's
     * parameters, receive dL/dh for y = combine(x, h) with x held fixed: a tensor and the gradient
     * to push through it. By default combine(x, h) with dL/dy; a coupling whose Jacobian in h is
     * the identity may return h itself with dL/dy and spare a recorded operation.
     */
    default Tensor[] backwardSeed(Tensor x, Tensor h, Tensor dy) {
        return new Tensor[] {combine(x, h), dy};
    }

    /** The channels F and G must output for a half of {@code halfChannels} channels. */
    int functionChannels(int halfChannels);

    /**
     * The largest factor by which one block's inverse can amplify an error in its output (two
     * uncombines), for tolerances: 1 for additive, 4 for affine (two divisions by a scale > 1/2).
     */
    double inverseConditioning();

    /** The coupling's name on the command line and in reports: "additive" or "affine". */
    String label();

    /** The coupling called {@code name}. */
    static Coupling parse(String name) {
        for (Coupling c : new Coupling[] {ADDITIVE, AFFINE}) {
            if (c.label().equalsIgnoreCase(String.valueOf(name).trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown coupling '" + name + "': use additive or affine");
    }
}
