package io.github.revnet.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparison rule itself: each tensor against its own tolerance, not the worst tensor's. */
class PerTensorToleranceTest {
    private static final double[] TOLERANCES = {1e-8, 1e-2};

    @Test
    void errorsWithinTheirOwnTolerancesPassAndTheWorstIsReturned() {
        assertEquals(1e-3, GateChecks.withinTolerances("gradients differ", List.of(1e-9, 1e-3), TOLERANCES, "case"));
    }

    @Test
    void aWellConditionedTensorIsNotCoveredByTheSlackAnIllConditionedOneNeeds() {
        // Under one tolerance for all (the worst tensor's, 1e-2), both errors here would pass: 2e-8 and 1e-3 are below it.
        AssertionError e = assertThrows(AssertionError.class,
                () -> GateChecks.withinTolerances("gradients differ", List.of(2e-8, 1e-3), TOLERANCES, "case"));
        assertTrue(e.getMessage().contains("tensor 0 of 2") && e.getMessage().contains("2.0E-8 > its tolerance 1.0E-8"), e.getMessage());
    }

    @Test
    void aNonFiniteErrorFails() {
        assertThrows(AssertionError.class, () -> GateChecks.withinTolerances("gradients differ", List.of(Double.NaN, 0.0), TOLERANCES, "case"));
    }
}
