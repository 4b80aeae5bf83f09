package io.github.revnet.core.reversible;

import io.github.revnet.bridge.NativeScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Float32 streams held on a fixed-point grid, multiples of 2<sup>−{@value #BITS}</sup>, so that
 * the additive coupling's sum and difference are exact and the inverse gives back its input bit
 * for bit (the fixed-point idea of MacKay et al., "Reversible Recurrent Neural Networks", 2018).
 *
 * <p>Why it is needed under bfloat16: the inverse x1 = y1 − F(x2) is exact only up to float32
 * rounding, and F casts its reconstructed input to bfloat16. Where the float32 error straddles a
 * bfloat16 rounding boundary, the cast flips by a whole bfloat16 step, the recomputed F differs
 * from the forward's by bfloat16's error, and the flips compound with depth (RevNet-164's inverse
 * off by 0.26 after its 54 blocks). On the grid there is no float32 error, so no flip.
 *
 * <p>What it costs: a bfloat16 value of magnitude at least 2<sup>{@value #BITS}−21</sup> is
 * already on the grid (bfloat16 has 8 significant bits, so its step there is at least 2<sup>−{@value #BITS}</sup>), so snapping only rounds F's and G's
 * smallest outputs; the stack's input is rounded once, by at most half a grid step below 2^8 in magnitude. Sums are exact
 * while the streams stay below {@link #EXACT_BELOW} in magnitude; beyond it the inverse is exact
 * up to float32 rounding, as without the grid. Gradients pass straight through the rounding.
 */
public final class StreamGrid {
    /** The grid step is 2^−BITS. */
    public static final int BITS = 14;

    /** Float32 represents every multiple of the grid step below this magnitude, so sums of them are exact. */
    public static final double EXACT_BELOW = Math.scalb(1.0, 24 - BITS);

    private StreamGrid() {
    }

    /**
     * Adding and subtracting it rounds a float32 of magnitude below 2^8 to the nearest multiple of the grid step: the sum
     * lies in (2^9, 2^10), where float32's step is exactly 2^−BITS.
     */
    private static final double ROUNDER = 1.5 * Math.scalb(1.0, 23 - BITS);

    /**
     * {@code t} in float32, rounded to the nearest multiple of the grid step (ties to even), with the identity's gradient.
     *
     * <p>A bfloat16 tensor (what F and G return under autocast, once per function run) takes the cheap path,
     * (t + 1.5·2^9) − 1.5·2^9: below 2^8 in magnitude the sum rounds to the grid, and a bfloat16 value of magnitude 2^8
     * or more is a multiple of 2, which both operations keep exactly. Its gradient is the identity's by construction.
     *
     * <p>Any other tensor (a stack's float32 input, an output autocast left in float32) can hold values the cheap path
     * would round onto a finer step (x + 1.5·2^9 in [2^8, 2^9) for x just below −2^8), so it is rounded by scaling,
     * with a straight-through gradient: t + (g − t) is exactly g, since the difference of two floats within a factor of
     * two of each other is exact (Sterbenz), and g − t is −t when g is 0.
     */
    public static Tensor snap(Tensor t) {
        return NativeScope.call(() -> {
            if (t.scalar_type().value == torch.ScalarType.BFloat16.value) {
                Scalar rounder = new Scalar(ROUNDER);
                return t.to(torch.ScalarType.Float).add(rounder).sub(rounder);
            }
            Tensor x = t.scalar_type().value == torch.ScalarType.Float.value ? t : t.to(torch.ScalarType.Float);
            Tensor g = x.detach().mul(new Scalar(Math.scalb(1.0, BITS))).round().div(new Scalar(Math.scalb(1.0, BITS)));
            return x.add(g.sub(x.detach()));
        });
    }
}
