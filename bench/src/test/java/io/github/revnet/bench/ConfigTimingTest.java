package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTimingTest {
    private static final List<Mode> MODES = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);
    private static final double[] WIDE = {1.1, 1.7, 1.2, 1.6, 1.4, 1.3, 1.5, 1.45, 1.35, 1.4};
    private static final double[] TIGHT = {1.30, 1.31, 1.29};

    private static Sweep.Config config(String model) {
        return new Sweep.Config(model, 32, 32, DType.FLOAT32, MODES, 8);
    }

    /** A fork of {@code n} rounds, stored at {@code storedMs}, that took its samples' time plus 3 s. */
    private static Fork fork(int n, double storedMs, double[] reversible, double[] checkpoint) {
        List<Mode> ran = new ArrayList<>();
        List<Double> millis = new ArrayList<>();
        double sampled = 0;
        for (int i = 0; i < n; i++) {
            ran.addAll(MODES);
            double r = storedMs * reversible[i % reversible.length];
            double c = storedMs * checkpoint[i % checkpoint.length];
            millis.addAll(List.of(storedMs, r, c));
            sampled += (storedMs + r + c) / 1e3;
        }
        List<com.fasterxml.jackson.databind.JsonNode> phases = new ArrayList<>();
        for (Mode mode : ran) {
            var line = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("mode", mode.label());
            var perPhase = line.putObject("phases_ms");
            for (io.github.revnet.core.profile.Phase p : io.github.revnet.core.profile.Phase.values()) {
                perPhase.put(p.label(), 1.0);
            }
            phases.add(line);
        }
        return new Fork(RoundTimes.of(MODES, ran, millis), ran, phases, sampled + 3, sampled);
    }

    @Test
    void aDecidedConfigurationProposesNothing() {
        ConfigTiming t = new ConfigTiming(config("stack-4"), RoundBudgetTest.BUDGET, fork(20, 500, TIGHT, TIGHT));
        assertTrue(t.next(1e6).isEmpty());
    }

    @Test
    void anUndecidedModeIsProposedWithStoredModeAloneBesideIt() {
        ConfigTiming t = new ConfigTiming(config("stack-4"), RoundBudgetTest.BUDGET, fork(10, 500, WIDE, TIGHT));
        ConfigTiming.Proposal p = t.next(1e6).orElseThrow();
        assertEquals(List.of(Mode.STORED, Mode.REVERSIBLE), p.modes());
        assertEquals(1, t.stepsPerSample());
        // a round of stored and reversible costs 0.5 + 0.7 s at the medians; the fork adds 3 s and two warm-up rounds
        double round = 0.5 + 0.5 * 1.4;
        assertEquals(3 + (2 + p.rounds()) * round, p.seconds(), 1e-6);
        assertTrue(t.next(3 + 2 * round + 5 * round).isEmpty(), "five affordable rounds are fewer than the six a fork needs");
    }

    @Test
    void aShortStepMakesTheFirstForkAPilotAndLaterSamplesSeveralSteps() {
        ConfigTiming t = new ConfigTiming(config("stack-2"), RoundBudgetTest.BUDGET, fork(10, 20, WIDE, TIGHT));
        ConfigTiming.Proposal p = t.next(1e6).orElseThrow();
        assertEquals(MODES, p.modes(), "after a pilot every mode is timed again");
        assertTrue(p.rounds() >= 10, "at least a first fork's rounds");
        assertEquals(1, t.stepsPerSample(), "until a fork of several steps is pooled, the pilot stands");
        assertEquals(10, t.results().get(1).paired().roundRatios().length, "the pilot's rounds, when nothing else was timed");
        t.add(fork(12, 20, TIGHT, TIGHT));
        assertEquals(5, t.stepsPerSample(), "100 ms / 20 ms");
        assertEquals(12, t.results().get(1).paired().roundRatios().length, "the pilot is not pooled");
        assertEquals(5, t.results().get(0).stepMs().stepsPerSample());
    }

    @Test
    void theHeadlineGoesFirstThenTheCheapestToDecide() {
        ConfigTiming cheap = new ConfigTiming(config("stack-4"), RoundBudgetTest.BUDGET, fork(10, 200, WIDE, TIGHT));
        ConfigTiming dear = new ConfigTiming(config("stack-64"), RoundBudgetTest.BUDGET, fork(10, 2000, WIDE, TIGHT));
        ConfigTiming headline = new ConfigTiming(config("revnet-164"), RoundBudgetTest.BUDGET, fork(10, 1600, WIDE, TIGHT));
        List<ConfigTiming.Proposal> all = List.of(dear.next(1e6).orElseThrow(), cheap.next(1e6).orElseThrow(), headline.next(1e6)
                .orElseThrow());
        assertEquals("revnet-164", ConfigTiming.mostUrgent(all).orElseThrow().timing().config().model());
        assertEquals("stack-4", ConfigTiming.mostUrgent(all.subList(0, 2)).orElseThrow().timing().config().model());
        assertTrue(ConfigTiming.mostUrgent(List.of()).isEmpty());
        ConfigTiming bothWide = new ConfigTiming(config("revnet-164"), RoundBudgetTest.BUDGET, fork(10, 1600, WIDE, WIDE));
        assertEquals(List.of(Mode.STORED, Mode.REVERSIBLE), bothWide.next(1e6).orElseThrow().modes(),
                "the headline's priority fork times its reversible ratio alone; checkpoint waits its turn");
        ConfigTiming ordinary = new ConfigTiming(config("stack-16"), RoundBudgetTest.BUDGET, fork(10, 1600, WIDE, WIDE));
        assertEquals(MODES, ordinary.next(1e6).orElseThrow().modes());
    }
}
