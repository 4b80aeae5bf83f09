package io.github.revnet.bench;

import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundBudgetTest {
    private static final List<Mode> MODES = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);

    /** warm-up 2, first 10, at least 6 more, at most 400; ±5 %, ±3 % for revnet-164's reversible mode; 900 s; 100 ms. */
    static final RoundBudget BUDGET = new RoundBudget(2, 10, 6, 400, 0.05, 0.03, List.of("revnet-164"), 900, 100);

    /** {@code n} rounds: stored at 100 ms, reversible and checkpoint at 100 ms times the given ratios, in turn. */
    static RoundTimes rounds(int n, double[] reversible, double[] checkpoint) {
        List<Mode> ran = new ArrayList<>();
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ran.addAll(MODES);
            millis.addAll(List.of(100.0, 100 * reversible[i % reversible.length], 100 * checkpoint[i % checkpoint.length]));
        }
        return RoundTimes.of(MODES, ran, millis);
    }

    @Test
    void shortStepsAreTimedSeveralToASample() {
        assertEquals(10, BUDGET.stepsPerSample(10));
        assertEquals(4, BUDGET.stepsPerSample(30));
        assertEquals(1, BUDGET.stepsPerSample(150));
        assertEquals(1, BUDGET.stepsPerSample(Double.NaN));
    }

    @Test
    void theHeadlineTargetAppliesToTheHeadlineModelsReversibleModeOnly() {
        assertEquals(0.03, BUDGET.target("revnet-164", Mode.REVERSIBLE));
        assertEquals(0.05, BUDGET.target("revnet-164", Mode.CHECKPOINT));
        assertEquals(0.05, BUDGET.target("revnet-110", Mode.REVERSIBLE));
    }

    @Test
    void aDecidedConfigurationGetsNoMoreRounds() {
        RoundTimes tight = rounds(20, new double[] {1.40, 1.41, 1.39}, new double[] {1.30, 1.31, 1.29});
        assertTrue(BUDGET.undecided(tight, "stack-4").isEmpty());
        assertEquals(0, BUDGET.nextRounds(tight, true, "stack-4", 1000));
    }

    @Test
    void anUndecidedModeGetsTheRoundsItsWidthCallsForWithinWhatIsAffordable() {
        // reversible scatters ±20 %, checkpoint is tight: only reversible is undecided
        RoundTimes wide = rounds(10, new double[] {1.1, 1.7, 1.2, 1.6, 1.4, 1.3, 1.5, 1.45, 1.35, 1.4}, new double[] {1.30, 1.31, 1.29});
        assertEquals(List.of(Mode.REVERSIBLE), BUDGET.undecided(wide, "stack-4"));
        double width = wide.halfWidth(Mode.REVERSIBLE);
        int need = (int) Math.ceil(1.2 * 10 * (width / 0.05) * (width / 0.05));
        assertEquals(need, BUDGET.roundsToDecide(wide, "stack-4", Mode.REVERSIBLE));
        assertTrue(need - 10 > 10, "the case needs more than twice its rounds: " + need);
        assertEquals(10, BUDGET.nextRounds(wide, true, "stack-4", 1000), "pooled: what it lacks, but at most as many as it has");
        assertEquals(10, BUDGET.nextRounds(wide, false, "stack-4", 1000), "a pilot's rounds are not pooled: a first fork's rounds");
        assertEquals(8, BUDGET.nextRounds(wide, true, "stack-4", 8), "no more than the allowance pays for");
        assertEquals(0, BUDGET.nextRounds(wide, true, "stack-4", 5), "fewer than 6 affordable rounds are not worth a fork");
        RoundBudget capped = new RoundBudget(2, 10, 6, 16, 0.05, 0.03, List.of(), 900, 100);
        assertEquals(6, capped.nextRounds(wide, true, "stack-4", 1000), "no more than maxRounds in all");
        RoundTimes slightlyWide = rounds(40, new double[] {1.25, 1.335, 1.42, 1.505, 1.59}, new double[] {1.30, 1.31, 1.29});
        int lacking = BUDGET.roundsToDecide(slightlyWide, "stack-4", Mode.REVERSIBLE) - 40;
        assertTrue(lacking > 0 && lacking < 40, "a case that lacks fewer rounds than it has: " + lacking);
        assertEquals(Math.max(6, lacking), BUDGET.nextRounds(slightlyWide, true, "stack-4", 1000), "gets what it lacks");
    }

    @Test
    void badBudgetsAreRefusedNamingTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RoundBudget(2, 5, 6, 400, 0.05, 0.03, List.of(), 900, 100))
                .getMessage().contains("got 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RoundBudget(2, 10, 6, 400, 0, 0.03, List.of(), 900, 100))
                .getMessage().contains("targets must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RoundBudget(2, 10, 6, 8, 0.05, 0.03, List.of(), 900, 100))
                .getMessage().contains("got 8"));
    }
}
