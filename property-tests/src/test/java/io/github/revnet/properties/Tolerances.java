package io.github.revnet.properties;

import io.github.revnet.core.DType;

/**
 * The gate's tolerances, each a function of the dtype's machine epsilon (and depth or magnitude
 * where the error grows with them), never a number tuned until green.
 */
final class Tolerances {
    /** Units in the last place allowed for a gradient: 1e-10 in float64 (the bound), the same ulps in float32. */
    static final double GRADIENT_ULPS = 1e-10 / DType.FLOAT64.epsilon();

    /**
     * Units of rounding allowed per block and per unit of magnitude for reconstruction: each block
     * adds and subtracts two function outputs (≤ 4 roundings), and the recomputed F and G see
     * inputs that differ by that rounding, amplified by their Lipschitz constant; 2^8 covers
     * BatchNorm's amplification on tiny batches.
     */
    static final double INVERSE_ULPS_PER_BLOCK = 256;

    private Tolerances() {
    }

    /** Max relative error of a gradient tensor between the two modes, for well-conditioned cases. */
    static double gradient(DType dtype) {
        return GRADIENT_ULPS * dtype.epsilon();
    }

    /**
     * Reversible mode differs from stored mode in two ways, both measured per case: its
     * reconstructed activations are off by the reconstruction error (first-order bound ‖J‖_F·‖δ‖₂,
     * see {@code Harness.reconstructionSensitivity}), and it evaluates the same sums in other
     * orders (each block's F and G backwards run separately from recomputed, contiguous
     * activations; bounded by the spread of stored mode over memory layouts, see
     * {@code Harness.evaluationOrderSpread}). {@code sensitivity} is their sum. Each block
     * re-associates and re-perturbs up to four sums (two reconstructions, two backwards), and the
     * blocks' errors add, so the reversible gradient may differ by up to 4 · blocks · sensitivity,
     * and never less than {@link #gradient(DType)}: ill-conditioned cases (BatchNorm over a handful
     * of values, gradients that are small sums of large terms) get the slack their conditioning
     * demands, measured, not guessed.
     */
    static double gradient(DType dtype, int blocks, double sensitivity) {
        return Math.max(gradient(dtype), ROUNDINGS_PER_BLOCK * blocks * sensitivity);
    }

    static final double ROUNDINGS_PER_BLOCK = 4;

    /**
     * Max |inverse(forward(x)) − x| for a stack of {@code blocks} blocks over values up to
     * {@code magnitude}, whose coupling's inverse amplifies an error by up to {@code conditioning}
     * per block (1 additive, 4 affine: two divisions by a scale above 1/2).
     */
    static double inverse(DType dtype, int blocks, double magnitude, double conditioning) {
        return INVERSE_ULPS_PER_BLOCK * conditioning * dtype.epsilon() * blocks * (1 + magnitude);
    }

    /**
     * Central finite differences in float64 with step h: truncation O(h²·|L'''|) plus rounding
     * O(eps·|L|/h); with h = eps^(1/3) ≈ 6e-6 both are ≈ eps^(2/3) ≈ 4e-11 relative, and 10^4 of
     * that covers curvature and ReLU kinks near the sample.
     */
    static final double FD_STEP = Math.cbrt(DType.FLOAT64.epsilon());
    static final double FD_RELATIVE = 1e4 * Math.pow(DType.FLOAT64.epsilon(), 2.0 / 3.0);
}
