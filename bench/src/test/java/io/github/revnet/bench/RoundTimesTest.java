package io.github.revnet.bench;

import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundTimesTest {
    private static final List<Mode> MODES = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);

    @Test
    void everyRoundRunsEveryModeOnceInAnOrderRotatedFromTheRoundBefore() {
        List<List<Mode>> rounds = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            List<Mode> order = new ArrayList<>();
            for (int i = round * 3; i < round * 3 + 3; i++) {
                order.add(MODES.get(RoundState.modeAt(i, 3)));
            }
            rounds.add(order);
        }
        assertEquals(List.of(List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT), List.of(Mode.REVERSIBLE, Mode.CHECKPOINT, Mode.STORED),
                List.of(Mode.CHECKPOINT, Mode.STORED, Mode.REVERSIBLE)), rounds, "each mode takes each position once in three rounds");
    }

    @Test
    void ratiosAreTakenWithinARoundNotAcrossRounds() {
        // the machine slows down by half after the first round: per-round ratios stay at 1.5, a ratio of medians would not see it
        List<Mode> ran = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT, Mode.REVERSIBLE, Mode.CHECKPOINT, Mode.STORED);
        List<Double> millis = List.of(100.0, 150.0, 170.0, 300.0, 340.0, 200.0);
        RoundTimes t = RoundTimes.of(MODES, ran, millis);
        assertEquals(2, t.rounds());
        assertArrayEquals(new double[] {1.5, 1.5}, t.ratios(Mode.REVERSIBLE), 1e-12);
        assertArrayEquals(new double[] {1.7, 1.7}, t.ratios(Mode.CHECKPOINT), 1e-12);
        assertArrayEquals(new double[] {100, 200}, t.times(Mode.STORED), 1e-12);
        assertTrue(Double.isInfinite(t.widestHalfWidth()), "two rounds give no 95% interval");
    }

    @Test
    void aRoundThatRepeatsOrMissesAModeIsRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoundTimes.of(MODES, List.of(Mode.STORED, Mode.STORED, Mode.CHECKPOINT),
                List.of(1.0, 2.0, 3.0))).getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RoundTimes.of(MODES, List.of(Mode.STORED, Mode.REVERSIBLE), List.of(1.0,
                2.0))).getMessage().contains("whole rounds"));
    }

    @Test
    void extraRoundsOfTwoModesNarrowOnlyTheirRatio() {
        RoundTimes all = RoundTimes.of(MODES, List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT, Mode.REVERSIBLE, Mode.CHECKPOINT, Mode.STORED),
                List.of(100.0, 150.0, 170.0, 300.0, 340.0, 200.0));
        RoundTimes pair = RoundTimes.of(List.of(Mode.STORED, Mode.REVERSIBLE), List.of(Mode.STORED, Mode.REVERSIBLE, Mode.REVERSIBLE, Mode.STORED),
                List.of(10.0, 14.0, 26.0, 20.0));
        RoundTimes both = all.plus(pair);
        assertEquals(4, both.rounds(Mode.REVERSIBLE));
        assertEquals(2, both.rounds(Mode.CHECKPOINT));
        assertArrayEquals(new double[] {1.5, 1.5, 1.4, 1.3}, both.ratios(Mode.REVERSIBLE), 1e-12);
        assertArrayEquals(new double[] {1.7, 1.7}, both.ratios(Mode.CHECKPOINT), 1e-12);
        assertArrayEquals(new double[] {100, 200, 10, 20}, both.times(Mode.STORED), 1e-12);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> pair.plus(all)).getMessage().contains("not a subset"));
    }
}
