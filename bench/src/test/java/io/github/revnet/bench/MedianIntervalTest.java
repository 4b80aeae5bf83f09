package io.github.revnet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MedianIntervalTest {
    private static double[] oneTo(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[n - 1 - i] = i + 1; // reversed: the interval must not depend on input order
        }
        return x;
    }

    @Test
    void ranksMatchTheStandardTableForTheMedian() {
        // Published 95% ranks for the median (e.g. Conover, Practical Nonparametric Statistics): n=10: 2..9, n=20: 6..15, n=30: 10..21
        MedianInterval ten = MedianInterval.of(oneTo(10), 0.95);
        assertEquals(2, ten.low());
        assertEquals(9, ten.high());
        assertEquals(5.5, ten.median());
        assertEquals(1 - 2 * 11 / 1024.0, ten.coverage(), 1e-12);
        MedianInterval twenty = MedianInterval.of(oneTo(20), 0.95);
        assertEquals(6, twenty.low());
        assertEquals(15, twenty.high());
        MedianInterval thirty = MedianInterval.of(oneTo(30), 0.95);
        assertEquals(10, thirty.low());
        assertEquals(21, thirty.high());
    }

    @Test
    void fiveValuesAreTooFewForA95PercentInterval() {
        MedianInterval five = MedianInterval.of(oneTo(5), 0.95);
        assertEquals(3, five.median());
        assertTrue(Double.isNaN(five.low()) && Double.isNaN(five.high()));
        MedianInterval six = MedianInterval.of(oneTo(6), 0.95);
        assertEquals(1, six.low());
        assertEquals(6, six.high());
    }

    @Test
    void coversTheTrueMedianOfASkewedDistributionAtLeastAsOftenAsClaimed() {
        Random random = new Random(11);
        int trials = 4000;
        int covered = 0;
        double trueMedian = Math.log(2); // exponential(1)
        for (int t = 0; t < trials; t++) {
            double[] x = new double[15];
            for (int i = 0; i < x.length; i++) {
                x[i] = -Math.log(1 - random.nextDouble());
            }
            MedianInterval m = MedianInterval.of(x, 0.95);
            if (m.low() <= trueMedian && trueMedian <= m.high()) {
                covered++;
            }
        }
        // n = 15 gives ranks 4..12, exact coverage 96.48%; 4000 trials put the observed rate within ±0.9 points (3 sigma)
        assertEquals(0.9648, covered / (double) trials, 0.009);
    }

    @Test
    void relativeHalfWidthIsTheLargerSide() {
        MedianInterval m = new MedianInterval(1.0, 0.95, 1.02, 10, 0.98);
        assertEquals(0.05, m.relativeHalfWidth(), 1e-12);
    }

    @Test
    void badInputIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MedianInterval.of(new double[0], 0.95)).getMessage()
                .contains("none"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MedianInterval.of(oneTo(10), 1.5)).getMessage().contains("1.5"));
    }
}
