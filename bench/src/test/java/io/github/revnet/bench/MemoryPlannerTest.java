package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.models.Plan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryPlannerTest {
    @Test
    void budgetsAreReadWithTheirUnits() {
        assertEquals(300L * 1024 * 1024, ByteSize.parse("300MiB"));
        assertEquals((long) (1.5 * 1024 * 1024 * 1024), ByteSize.parse("1.5 GiB"));
        assertEquals(500_000_000L, ByteSize.parse("500mb"));
        assertEquals(2048L, ByteSize.parse("2048"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("lots")).getMessage().contains("lots"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MemoryPlanner.Options("revnet-38", 8, 32, DType.FLOAT32, 0, 3, 2))
                .getMessage().contains("budget"));
    }

    @Test
    void theFrontHoldsThePlansNoOtherBeatsInBothAndTheChoiceIsTheFastestWithinBudget() {
        List<Plan> plans = List.of(Plan.parse("stored"), Plan.parse("checkpoint"), Plan.parse("reversible"));
        Map<Plan, Double> times = Map.of(plans.get(0), 100.0, plans.get(1), 150.0, plans.get(2), 140.0);
        Map<Plan, Long> peaks = Map.of(plans.get(0), 300L, plans.get(1), 120L, plans.get(2), 50L);
        List<MemoryPlanner.Candidate> c = MemoryPlanner.pareto(plans, times, peaks);
        assertTrue(c.get(0).paretoOptimal(), "stored: fastest");
        assertTrue(!c.get(1).paretoOptimal(), "checkpoint: slower and heavier than reversible");
        assertTrue(c.get(2).paretoOptimal(), "reversible: lightest");
        assertEquals("stored", MemoryPlanner.choose(c, 400).plan().label());
        assertEquals("reversible", MemoryPlanner.choose(c, 200).plan().label());
        assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.choose(c, 10));
        assertEquals(List.of("reversible", "checkpoint"), MemoryPlanner.fastestFirstWithin(c, 200).stream().map(x -> x.plan().label()).toList(),
                "run's fallbacks: every plan within the budget, fastest first");
    }

    @Test
    void aBudgetBetweenTheLightestAndTheHeaviestPlanIsMetInAFreshProcessAndOneBelowTheLightestIsRefused() throws Exception {
        // one stack (3 plans) at batch 8, 32x32: half-tensors of 512 KB, well above the meter's 64 KB resolution
        var roomy = new MemoryPlanner.Options("stack-4", 8, 32, DType.FLOAT32, ByteSize.parse("4GiB"), 1, 2);
        MemoryPlanner.Outcome free = MemoryPlanner.run(roomy, line -> { });
        assertEquals(3, free.candidates().size());
        long lightest = free.candidates().stream().mapToLong(MemoryPlanner.Candidate::peakBytes).min().orElseThrow();
        long heaviest = free.candidates().stream().mapToLong(MemoryPlanner.Candidate::peakBytes).max().orElseThrow();
        assertTrue(heaviest > 1.5 * lightest, "plans differ in memory: " + lightest + " vs " + heaviest);

        var middle = new MemoryPlanner.Options("stack-4", 8, 32, DType.FLOAT32, (lightest + heaviest) / 2, 1, 2);
        MemoryPlanner.Outcome planned = MemoryPlanner.run(middle, line -> { });
        assertTrue(planned.meetsBudget(), PlanReport.table(planned));
        assertTrue(planned.chosen().peakBytes() < heaviest, "the heaviest plan is over this budget: " + PlanReport.table(planned));

        var tight = new MemoryPlanner.Options("stack-4", 8, 32, DType.FLOAT32, lightest / 2, 1, 2);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.run(tight, line -> { }));
        assertTrue(refused.getMessage().contains("needs at least"), refused.getMessage());
    }

    @Test
    void aProbeOfModesReportsThePeakTheEstimateAndTheParametersAndOneOfAPlanThePeak() throws Exception {
        // Batch 16 at 32x32: stored mode's extra activations (about 6 MB) far above the few hundred KB a reading can carry from
        // the JVM's own transient allocations; at batch 4 and 16x16 the two modes differ by 0.26 MB and once read the wrong way round.
        var modes = Probes.memory("stack-2", 16, DType.FLOAT32, 32, 1, List.of("reversible", "stored"));
        for (var json : modes) {
            assertTrue(json.get("peak_activation_bytes").asLong() > 0, json.toString());
            assertTrue(json.get("estimated_activation_bytes").asLong() > 0, json.toString());
            assertTrue(json.get("params").asLong() > 0, json.toString());
        }
        assertTrue(modes.get(1).get("peak_activation_bytes").asLong() > modes.get(0).get("peak_activation_bytes").asLong(),
                "stored keeps every block's activations, reversible none: " + modes);
        var plan = Probes.memory("revnet-38", 4, DType.FLOAT32, 16, 1, List.of("checkpoint,stored,reversible")).get(0);
        assertTrue(plan.get("peak_activation_bytes").asLong() > 0, plan.toString());
        assertTrue(!plan.has("estimated_activation_bytes"), "a mixed plan has no analytical estimate: " + plan);
    }

    @Test
    void modesMeasuredInOneProcessReadAsInProcessesOfTheirOwn() throws Exception {
        // The malloc counter's promise: a later mode's reading does not depend on what ran before it in the process. At the
        // report's batch 32, 2% is about 1 MB, well above the JVM's transient allocations that a reading can carry (at batch 4 and
        // 16x16, 2% was 70 KB and a 140 KB difference failed it).
        var together = Probes.memory("revnet-38", 32, DType.FLOAT32, 32, 1, List.of("stored", "checkpoint", "reversible"));
        for (int k = 0; k < 3; k++) {
            String mode = together.get(k).get("what").asText();
            long alone = Probes.memory("revnet-38", 32, DType.FLOAT32, 32, 1, List.of(mode)).get(0).get("peak_activation_bytes").asLong();
            long shared = together.get(k).get("peak_activation_bytes").asLong();
            assertTrue(Math.abs(shared - alone) <= 0.02 * alone, mode + ": " + shared + " bytes after other modes, " + alone + " alone");
        }
    }

    @Test
    @org.junit.jupiter.api.Tag("measures-memory") // the resident-size settings, so the refusal is the counter's
    void aProbeRefusesSeveralModesWithoutTheCounter() {
        // Run in this JVM, which surefire starts without the counter.
        var refused = assertThrows(IllegalArgumentException.class, () -> MemoryProbe.main(new String[] {"stack-2", "4", "float32", "16", "1",
                "stored", "reversible"}));
        assertTrue(refused.getMessage().contains("malloc counter"), refused.getMessage());
    }
}
