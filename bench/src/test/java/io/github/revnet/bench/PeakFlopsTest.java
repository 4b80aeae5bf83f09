package io.github.revnet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Environment;
import org.junit.jupiter.api.Test;

class PeakFlopsTest {
    @Test
    void thePeakIsAFiniteRateAndBfloat16IsMeasuredWhereTheCpuHasItsUnits() {
        PeakFlops peak = PeakFlops.measure(1);
        System.out.println("peak on 1 thread: " + peak);
        // One core of any x86-64 machine this runs on does between 1 and 1,000 GFLOP/s in a float32 matrix product.
        assertTrue(peak.float32() > 1 && peak.float32() < 1000, "float32 " + peak.float32());
        assertEquals(!Environment.bfloat16Units().equals("none"), peak.bfloat16() != null);
        assertEquals(1, peak.threads());
    }
}
