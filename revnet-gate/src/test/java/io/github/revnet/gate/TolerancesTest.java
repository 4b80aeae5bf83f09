package io.github.revnet.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The derived constants are what their derivations say. */
class TolerancesTest {
    @Test
    void chiSquareCdfMatchesClosedForms() {
        assertEquals(1 - Math.exp(-1), Tolerances.chiSquareCdf(2, 2), 1e-12); // n = 2: 1 − e^(−x/2)
        assertEquals(1 - Math.exp(-2) * (1 + 2), Tolerances.chiSquareCdf(4, 4), 1e-12); // n = 4: 1 − e^(−x/2)(1 + x/2)
        assertEquals(0.6826894921370859, Tolerances.chiSquareCdf(1, 1), 1e-12); // n = 1: erf(1/√2)
        assertEquals(0.6083748237289110, Tolerances.chiSquareCdf(3, 3), 1e-12); // scipy.stats.chi2.cdf(3, 3)
    }

    @Test
    void probeConfidenceIsTheChiSquareQuantileFactor() {
        assertEquals(12.8197, Tolerances.probeConfidence(6), 1e-3);
        assertEquals(111.384, Tolerances.probeConfidence(3), 1e-2);
        assertEquals(Tolerances.PROBE_MISS_PROBABILITY, Tolerances.chiSquareCdf(6 / Math.pow(Tolerances.probeConfidence(6), 2), 6), 1e-12);
    }
}
