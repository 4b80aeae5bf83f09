package io.github.revnet.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundTimesTest {
    private static final List<String> MODES = List.of("stored", "reversible", "checkpoint");

    @Test
    void everyRoundRunsEveryModeOnceInAnOrderRotatedFromTheRoundBefore() {
        List<List<String>> rounds = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            List<String> order = new ArrayList<>();
            for (int i = round * 3; i < round * 3 + 3; i++) {
                order.add(MODES.get(RoundState.modeAt(i, 3)));
            }
            rounds.add(order);
        }
        assertEquals(List.of(List.of("stored", "reversible", "checkpoint"), List.of("reversible", "checkpoint", "stored"),
                List.of("checkpoint", "stored", "reversible")), rounds, "each mode takes each position once in three rounds");
    }

    @Test
    void ratiosAreTakenWithinARoundNotAcrossRounds() {
        // the machine slows down by half after the first round: per-round ratios stay at 1.5, a ratio of medians would not see it
        List<String> ran = List.of("stored", "reversible", "checkpoint", "reversible", "checkpoint", "stored");
        List<Double> millis = List.of(100.0, 150.0, 170.0, 300.0, 340.0, 200.0);
        RoundTimes t = RoundTimes.of(MODES, ran, millis);
        assertEquals(2, t.rounds());
        assertArrayEquals(new double[] {1.5, 1.5}, t.ratios("reversible"), 1e-12);
        assertArrayEquals(new double[] {1.7, 1.7}, t.ratios("checkpoint"), 1e-12);
        assertArrayEquals(new double[] {100, 200}, t.times("stored"), 1e-12);
        assertTrue(Double.isInfinite(t.widestHalfWidth()), "two rounds give no 95% interval");
    }

    @Test
    void aRoundThatRepeatsOrMissesAModeIsRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoundTimes.of(MODES, List.of("stored", "stored", "checkpoint"),
                List.of(1.0, 2.0, 3.0))).getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoundTimes.of(MODES, List.of("stored", "reversible"), List.of(1.0,
                2.0))).getMessage().contains("whole rounds"));
    }

    @Test
    void extraRoundsOfTwoModesNarrowOnlyTheirRatio() {
        RoundTimes all = RoundTimes.of(MODES, List.of("stored", "reversible", "checkpoint", "reversible", "checkpoint", "stored"),
                List.of(100.0, 150.0, 170.0, 300.0, 340.0, 200.0));
        RoundTimes pair = RoundTimes.of(List.of("stored", "reversible"), List.of("stored", "reversible", "reversible", "stored"),
                List.of(10.0, 14.0, 26.0, 20.0));
        RoundTimes both = all.plus(pair);
        assertEquals(4, both.rounds("reversible"));
        assertEquals(2, both.rounds("checkpoint"));
        assertArrayEquals(new double[] {1.5, 1.5, 1.4, 1.3}, both.ratios("reversible"), 1e-12);
        assertArrayEquals(new double[] {1.7, 1.7}, both.ratios("checkpoint"), 1e-12);
        assertArrayEquals(new double[] {100, 200, 10, 20}, both.times("stored"), 1e-12);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pair.plus(all)).getMessage().contains("not a subset"));
    }
}
