package io.github.revnet.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * The median of a sample with a distribution-free confidence interval from order statistics: for
 * n independent draws, the interval between the j-th smallest and the j-th largest value covers
 * the true median with probability 1 − 2·P(B ≤ j − 1), B ~ Binomial(n, 1/2); j is the largest
 * rank for which that is at least the requested confidence. No assumption on the distribution's
 * shape (step times are skewed by the machine's noise, which a normal interval would misstate),
 * and no resampling. Below 6 draws no interval reaches 95%: low and high are then NaN.
 */
public record MedianInterval(double median, double low, double high, int n, double coverage) {

    public static MedianInterval of(double[] values, double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        }
        if (values.length == 0) {
            throw new IllegalArgumentException("a median interval needs at least one value, got none");
        }
        double[] x = values.clone();
        Arrays.sort(x);
        int n = x.length;
        double median = sortedMedian(x);
        int rank = 0;
        double coverage = Double.NaN;
        double tail = 0; // P(B <= j - 1)
        for (int j = 1; j <= n / 2; j++) {
            tail += binomialHalf(n, j - 1);
            double c = 1 - 2 * tail;
            if (c < confidence) {
                break;
            }
            rank = j;
            coverage = c;
        }
        if (rank == 0) {
            return new MedianInterval(median, Double.NaN, Double.NaN, n, Double.NaN);
        }
        return new MedianInterval(median, x[rank - 1], x[n - rank], n, coverage);
    }

    /** The median alone; NaN for no values. */
    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] x = values.clone();
        Arrays.sort(x);
        return sortedMedian(x);
    }

    private static double sortedMedian(double[] x) {
        int n = x.length;
        return n % 2 == 1 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
    }

    /** The interval's larger distance from the median, relative to it: "± 3%" reads 0.03. */
    @JsonProperty
    public double relativeHalfWidth() {
        return Math.max(high - median, median - low) / median;
    }

    /** P(B = k) for B ~ Binomial(n, 1/2), in logarithms so that large n does not overflow. */
    static double binomialHalf(int n, int k) {
        double logChoose = 0;
        for (int i = 1; i <= k; i++) {
            logChoose += Math.log(n - k + i) - Math.log(i);
        }
        return Math.exp(logChoose - n * Math.log(2));
    }
}
