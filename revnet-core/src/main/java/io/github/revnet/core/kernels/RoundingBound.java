package io.github.revnet.core.kernels;

/**
 * How far a correct kernel's result may lie from the exact one, element by element, from a rounding analysis rather than
 * a number tuned until green. Every audited kernel computes sums of products: an output element is
 * {@code s = Σ_k a_k b_k} over {@code K} terms (a convolution: input channels × kernel area; its input gradient: output
 * channels × kernel area; its weight gradient: batch × output pixels; a matrix product: the inner dimension).
 *
 * <p>Whatever the summation order (blocked, pairwise, fused multiply-adds), Higham and Mary's probabilistic analysis
 * (SIAM J. Sci. Comput. 41(5), 2019, Theorem 2.4) bounds the computed sum by
 * {@code |ŝ − s| ≤ γ̃_K(λ) · Σ_k |a_k b_k|}, {@code γ̃_K(λ) = exp(λ √K u + K u² / (1 − u)) − 1}, with probability at
 * least {@code 1 − 2 exp(−λ² (1 − u)² / 2)} when the rounding errors are independent with mean zero, as they are on the
 * audit's random data. With {@link #LAMBDA} = 8 that is 2.5e-14 per element, so a million-element tensor is refused
 * wrongly less than once in 10^7 audits. The deterministic bound {@code γ_K = K u / (1 − K u)} is larger by {@code √K / λ}
 * and would let a kernel off by 1e-4 pass at a few hundred terms.
 *
 * <p>The result is then rounded to the output's type once more: {@code u_out · |s|}, and {@code |s| ≤ Σ|a_k b_k|}. The
 * audit's inputs are exactly representable in the kernel's type (rounded first, then widened for the reference), so
 * input rounding is not part of the error.
 */
public final class RoundingBound {
    /** Standard deviations of the probabilistic bound: 2.5e-14 per element. */
    public static final double LAMBDA = 8;

    private RoundingBound() {
    }

    /** The largest {@code |ŝ − s| / Σ|a_k b_k|} a correct kernel of {@code dtype} reaches over {@code terms} terms. */
    public static double ofSum(long terms, KernelDType dtype) {
        if (terms < 1) {
            throw new IllegalArgumentException("a sum needs at least one term, got " + terms);
        }
        double gamma = gamma(terms, dtype);
        double out = dtype.unitRoundoff();
        return gamma + out * (1 + gamma);
    }

    /** {@code γ̃_K(λ)} alone: a sum of {@code terms} terms in {@code dtype}'s accumulator, before its result is rounded. */
    public static double gamma(long terms, KernelDType dtype) {
        double u = dtype.accumulationRoundoff();
        return Math.expm1(LAMBDA * Math.sqrt(Math.max(terms, 1)) * u + terms * u * u / (1 - u));
    }
}
