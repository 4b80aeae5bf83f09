package io.github.revnet.gate;

import io.github.revnet.core.DType;

/**
 * The gate's tolerances, each a function of the dtype's machine epsilon (and depth or magnitude
 * where the error grows with them), never a number tuned until green.
 */
public final class Tolerances {
    /** Units in the last place allowed for a gradient: 1e-10 in float64 (the bound), the same ulps in float32. */
    public static final double GRADIENT_ULPS = 1e-10 / DType.FLOAT64.epsilon();

    /**
     * Units of rounding allowed per block and per unit of magnitude for reconstruction: each block
     * adds and subtracts two function outputs (≤ 4 roundings), and the recomputed F and G see
     * inputs that differ by that rounding, amplified by their Lipschitz constant; 2^8 covers
     * BatchNorm's amplification on tiny batches.
     */
    public static final double INVERSE_ULPS_PER_BLOCK = 256;

    private Tolerances() {
    }

    /** Max relative error of a gradient tensor between the two modes, for well-conditioned cases. */
    public static double gradient(DType dtype) {
        return GRADIENT_ULPS * dtype.epsilon();
    }

    /**
     * Reversible mode differs from stored mode in two ways, both measured per case: its
     * reconstructed activations are off by the reconstruction error (first-order bound ‖J‖_F·‖δ‖₂,
     * see {@code Harness.reconstructionSensitivities}), and it evaluates the same sums in other
     * orders (each block's F and G backwards run separately from recomputed, contiguous
     * activations; bounded by the spread of stored mode over memory layouts, see
     * {@code Harness.evaluationOrderSpreads}). {@code sensitivity} is their sum. Each block
     * re-associates and re-perturbs up to four sums (two reconstructions, two backwards), and the
     * blocks' errors add, so the reversible gradient may differ by up to 4 · blocks · sensitivity,
     * and never less than {@link #gradient(DType)}: ill-conditioned cases (BatchNorm over a handful
     * of values, gradients that are small sums of large terms) get the slack their conditioning
     * demands, measured, not guessed.
     */
    public static double gradient(DType dtype, int blocks, double sensitivity) {
        return Math.max(gradient(dtype), ROUNDINGS_PER_BLOCK * blocks * sensitivity);
    }

    public static final double ROUNDINGS_PER_BLOCK = 4;

    /** The chance, per generated case, that a sensitivity estimate falls short of the true ‖J‖_F: once in a million cases. */
    public static final double PROBE_MISS_PROBABILITY = 1e-6;

    /**
     * The factor that turns the root-mean-square of {@code probes} Gaussian probes into a one-sided
     * upper confidence bound on ‖J‖_F at {@link #PROBE_MISS_PROBABILITY}: √(n / q) with q the
     * chi-square quantile, P(χ²_n &lt; q) = p. The sum of n squared probes of J is ‖J‖_F² times a
     * weighted sum of chi-squares whose lower tail is heaviest when J has rank one, i.e. χ²_n. For 6
     * probes and p = 1e-6 the factor is 12.8.
     */
    public static double probeConfidence(int probes) {
        double lo = 0;
        double hi = probes;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (chiSquareCdf(mid, probes) < PROBE_MISS_PROBABILITY) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.sqrt(probes / lo);
    }

    /** P(χ²_n &lt; x): the regularized lower incomplete gamma function P(n/2, x/2), by its power series. */
    public static double chiSquareCdf(double x, int n) {
        double a = n / 2.0;
        double z = x / 2;
        double term = 1 / a;
        double sum = term;
        for (int k = 1; term > 1e-18 * sum; k++) {
            term *= z / (a + k);
            sum += term;
        }
        double logGammaA = n % 2 == 0 ? logFactorial(n / 2 - 1) : logFactorial(n - 1) - logFactorial((n - 1) / 2) - (n - 1) * Math.log(2)
                + 0.5 * Math.log(Math.PI);
        return Math.exp(-z + a * Math.log(z) - logGammaA) * sum;
    }

    private static double logFactorial(int k) {
        double s = 0;
        for (int i = 2; i <= k; i++) {
            s += Math.log(i);
        }
        return s;
    }

    /**
     * Max |inverse(forward(x)) − x| for a stack of {@code blocks} blocks over values up to
     * {@code magnitude}, whose coupling's inverse amplifies an error by up to {@code conditioning}
     * per block (1 additive, 4 affine: two divisions by a scale above 1/2).
     */
    public static double inverse(DType dtype, int blocks, double magnitude, double conditioning) {
        return INVERSE_ULPS_PER_BLOCK * conditioning * dtype.epsilon() * blocks * (1 + magnitude);
    }

    /**
     * Central finite differences in float64 with step h: truncation O(h²·|L'''|) plus rounding
     * O(eps·|L|/h); with h = eps^(1/3) ≈ 6e-6 both are ≈ eps^(2/3) ≈ 4e-11 relative, and 10^4 of
     * that covers curvature and ReLU kinks near the sample.
     */
    public static final double FD_STEP = Math.cbrt(DType.FLOAT64.epsilon());
    public static final double FD_RELATIVE = 1e4 * Math.pow(DType.FLOAT64.epsilon(), 2.0 / 3.0);
}
