package io.github.revnet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.core.DType;
import io.github.revnet.core.Plan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {
    @Test
    void budgetsAreReadWithTheirUnits() {
        assertEquals(300L * 1024 * 1024, MemoryPlanner.parseBytes("300MiB"));
        assertEquals((long) (1.5 * 1024 * 1024 * 1024), MemoryPlanner.parseBytes("1.5 GiB"));
        assertEquals(500_000_000L, MemoryPlanner.parseBytes("500mb"));
        assertEquals(2048L, MemoryPlanner.parseBytes("2048"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.parseBytes("lots")).getMessage().contains("lots"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MemoryPlanner.Options("revnet-38", 8, 32, DType.FLOAT32, 0, 3, 2))
                .getMessage().contains("budget"));
    }

    @Test
    void theFrontHoldsThePlansNoOtherBeatsInBothAndTheChoiceIsTheFastestWithinBudget() {
        List<Plan> plans = List.of(Plan.parse("stored"), Plan.parse("checkpoint"), Plan.parse("reversible"));
        Map<String, Double> times = Map.of("stored", 100.0, "checkpoint", 150.0, "reversible", 140.0);
        Map<String, Long> peaks = Map.of("stored", 300L, "checkpoint", 120L, "reversible", 50L);
        List<MemoryPlanner.Candidate> c = MemoryPlanner.pareto(plans, times, peaks);
        assertTrue(c.get(0).paretoOptimal(), "stored: fastest");
        assertTrue(!c.get(1).paretoOptimal(), "checkpoint: slower and heavier than reversible");
        assertTrue(c.get(2).paretoOptimal(), "reversible: lightest");
        assertEquals("stored", MemoryPlanner.choose(c, 400).plan().label());
        assertEquals("reversible", MemoryPlanner.choose(c, 200).plan().label());
        assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.choose(c, 10));
    }

    @Test
    void aBudgetBetweenTheLightestAndTheHeaviestPlanIsMetInAFreshProcessAndOneBelowTheLightestIsRefused() throws Exception {
        // one stack (3 plans) at batch 8, 32x32: half-tensors of 512 KB, well above the meter's 64 KB resolution
        var roomy = new MemoryPlanner.Options("stack-4", 8, 32, DType.FLOAT32, MemoryPlanner.parseBytes("4GiB"), 1, 2);
        MemoryPlanner.Outcome free = MemoryPlanner.run(roomy, line -> { });
        assertEquals(3, free.candidates().size());
        long lightest = free.candidates().stream().mapToLong(MemoryPlanner.Candidate::peakBytes).min().orElseThrow();
        long heaviest = free.candidates().stream().mapToLong(MemoryPlanner.Candidate::peakBytes).max().orElseThrow();
        assertTrue(heaviest > 1.5 * lightest, "plans differ in memory: " + lightest + " vs " + heaviest);

        var middle = new MemoryPlanner.Options("stack-4", 8, 32, DType.FLOAT32, (lightest + heaviest) / 2, 1, 2);
        MemoryPlanner.Outcome planned = MemoryPlanner.run(middle, line -> { });
        assertTrue(planned.meetsBudget(), MemoryPlanner.table(planned));
        assertTrue(planned.chosen().peakBytes() < heaviest, "the heaviest plan is over this budget: " + MemoryPlanner.table(planned));

        var tight = new MemoryPlanner.Options("stack-4", 8, 32, DType.FLOAT32, lightest / 2, 1, 2);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> MemoryPlanner.run(tight, line -> { }));
        assertTrue(refused.getMessage().contains("needs at least"), refused.getMessage());
    }

    @Test
    void aProbeOfAModeReportsThePeakTheEstimateAndTheParametersAndOneOfAPlanThePeak() throws Exception {
        for (String what : List.of("reversible", "stored")) {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(last(BenchmarkRun.probe(MemoryProbe.class, List.of("stack-2",
                    what, "4", "float32", "16", "1")))); // activations above the probes' 64 KB mmap threshold
            assertTrue(json.get("peak_activation_bytes").asLong() > 0, json.toString());
            assertTrue(json.get("estimated_activation_bytes").asLong() > 0, json.toString());
            assertTrue(json.get("params").asLong() > 0, json.toString());
        }
        var plan = new com.fasterxml.jackson.databind.ObjectMapper().readTree(last(BenchmarkRun.probe(MemoryProbe.class, List.of("revnet-38",
                "checkpoint,stored,reversible", "4", "float32", "16", "1"))));
        assertTrue(plan.get("peak_activation_bytes").asLong() > 0, plan.toString());
        assertTrue(!plan.has("estimated_activation_bytes"), "a mixed plan has no analytical estimate: " + plan);
    }

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }
}
