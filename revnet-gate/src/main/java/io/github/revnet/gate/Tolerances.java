package io.github.revnet.gate;

import io.github.revnet.core.DType;

/**
 * The gate's tolerances, each a function of the dtype's machine epsilon (and depth or magnitude
 * where the error grows with them), never a number tuned until green.
 */
public final class Tolerances {
    /**
     * Units of rounding allowed per block and per unit of magnitude for reconstruction: each block
     * adds and subtracts two function outputs (≤ 4 roundings), and the recomputed F and G see
     * inputs that differ by that rounding, amplified by their Lipschitz constant; 2^8 covers
     * BatchNorm's amplification on tiny batches.
     */
    public static final double INVERSE_ULPS_PER_BLOCK = 256;

    /** Roundings a block adds to a gradient in another mode: two reconstructions and two backwards, each re-associating a sum. */
    public static final double ROUNDINGS_PER_BLOCK = 4;

    /**
     * The smallest tolerance in float64, whatever the measurements say: the original gate's bound. Where a float64
     * gradient is a sum cancelling to a small fraction of its terms, the two memory layouts the spread is measured over
     * can both leave the sum's order as it was while reversible mode's separate backwards change it (1,000 cases: such
     * tensors erred by up to 2.8e-11 with a measured spread of 0).
     */
    public static final double ABSOLUTE_FLOOR = 1e-10;

    private Tolerances() {
    }

    /**
     * The smallest relative tolerance of a gradient tensor: {@link #ROUNDINGS_PER_BLOCK} roundings per block of a
     * well-conditioned sum (float32: 4.8e-7 per block), and never below {@link #ABSOLUTE_FLOOR}. It is not a property of
     * float64 carried over: in float32 it sits where correct code's errors are (median 1.2 ulps, 99th percentile 9 ulps
     * over 31,847 tensors), so a gradient scaled by 1 + 1e-3 is far above it.
     */
    public static double floor(DType dtype, int blocks) {
        return Math.max(ABSOLUTE_FLOOR, ROUNDINGS_PER_BLOCK * blocks * dtype.epsilon());
    }

    /**
     * How far a gradient tensor may differ from stored mode's, from its two measured ingredients (see
     * {@code Harness.reconstructionSensitivities}, {@code Harness.evaluationOrderSpreads}), never below {@link #floor}:
     * <ul>
     * <li>the reconstruction sensitivity, measured on the whole stack at once (every block's reconstructions jittered
     * together), times {@link #MARGIN};
     * <li>the spread over evaluation orders, measured on two relaid stored passes, times {@link #ROUNDINGS_PER_BLOCK} per
     * block: reversible mode re-associates up to four sums per block (two reconstructions, two backwards) and the blocks'
     * errors add. With the spread counted once per stack instead, float64 cases of BatchNorm over 2-channel
     * bottlenecks (sensitivity 0) erred by 3 and 5 times it: 3 false alarms in one 1,000-case campaign, 1 in another.
     * </ul>
     */
    public static double gradient(DType dtype, int blocks, double sensitivity, double spread) {
        return Math.max(floor(dtype, blocks), MARGIN * sensitivity + ROUNDINGS_PER_BLOCK * blocks * spread);
    }

    /**
     * The probes estimate the reconstruction error of the whole stack, with its own confidence factor; the margin covers
     * the four roundings by which a reconstructed activation can differ from the probe's model of it, not a count of blocks
     * (the probes already jitter every block). In a 1,000-case campaign no intact tensor exceeded 0.25 (float32) or 0.06
     * (float64) of its tolerance (docs/gate-strength.md).
     */
    public static final double MARGIN = ROUNDINGS_PER_BLOCK;

    /**
     * The largest tolerance the gate accepts a case under: a case that needs more cannot tell a gradient off by the
     * smallest fault the gate promises to catch from its own rounding, so it is set aside as ill-conditioned and counted.
     */
    public static double ceiling(DType dtype) {
        return dtype == DType.FLOAT64 ? 1e-6 : 1e-3;
    }

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
