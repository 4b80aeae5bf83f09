package io.github.revnet.bench;

import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundScreenTest {

    @Test
    void aRatioBelowTheFloorIsSetAsideAsImpossible() {
        // stack-8's rounds in a report on record: 0.31 and 0.34 among ratios of about 1.3
        double[] ratios = {1.31, 0.31, 1.29, 1.33, 0.34, 1.30, 1.32, 1.28};
        RoundScreen screen = RoundScreen.of(ratios);
        assertEquals(List.of(new RoundScreen.Excluded(1, 0.31, RoundScreen.Reason.BELOW_FLOOR), new RoundScreen.Excluded(4, 0.34,
                RoundScreen.Reason.BELOW_FLOOR)), screen.excluded());
        assertArrayEquals(new double[] {1.31, 1.29, 1.33, 1.30, 1.32, 1.28}, screen.kept(), 0);
        assertEquals(1.305, screen.interval().median(), 1e-12);
    }

    @Test
    void aRatioFarOutsideTheRestIsSetAsideAsAnOutlierAndOrdinaryScatterIsKept() {
        // median 1.405, MAD 0.025 (scaled 0.0371): 1.54 lies 3.6 scaled MADs away and stays, 1.60 lies 5.3 away and goes
        double[] ratios = {1.38, 1.42, 1.40, 1.54, 1.36, 1.44, 1.40, 1.60, 1.39, 1.41, 1.37, 1.43};
        RoundScreen screen = RoundScreen.of(ratios);
        assertEquals(List.of(new RoundScreen.Excluded(7, 1.60, RoundScreen.Reason.OUTLIER)), screen.excluded());
        assertEquals(11, screen.kept().length);
        assertEquals(1, screen.count(RoundScreen.Reason.OUTLIER));
        assertEquals(0, screen.count(RoundScreen.Reason.BELOW_FLOOR));
    }

    @Test
    void fewRoundsAreNotScreenedForOutliersOnlyForTheFloor() {
        // six rounds: 1.62 lies far out by the MAD of the other five, which is no scale at this size
        RoundScreen screen = RoundScreen.of(new double[] {1.22, 1.62, 1.21, 1.37, 0.76, 1.23});
        assertEquals(List.of(new RoundScreen.Excluded(4, 0.76, RoundScreen.Reason.BELOW_FLOOR)), screen.excluded());
    }

    @Test
    void identicalRatiosHaveNoSpreadAndNothingIsAnOutlier() {
        RoundScreen screen = RoundScreen.of(new double[] {1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 2.5});
        assertTrue(screen.excluded().isEmpty(), "with a MAD of 0 the rule has no scale: " + screen.excluded());
    }

    @Test
    void whenEveryRoundIsSetAsideTheIntervalIsUndefinedNotAnError() {
        RoundScreen screen = RoundScreen.of(new double[] {0.5, 0.6, 0.7});
        assertEquals(3, screen.excluded().size());
        assertTrue(Double.isNaN(screen.interval().median()));
        assertTrue(Double.isNaN(screen.interval().relativeHalfWidth()));
    }
}
