package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.profile.Phase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    @TempDir
    Path dir;

    /** A run whose stored step is {@code storedMs}; stored runs carry phases with forward 4 and the given backward. */
    private static Result run(String model, Mode mode, int blocks, double ms, double storedMs, long peak, double backwardMs) {
        Result.Paired paired = null;
        if (mode != Mode.STORED) {
            double[] rounds = new double[8];
            for (int i = 0; i < rounds.length; i++) {
                rounds[i] = ms / storedMs * (1 + (i - 3.5) / 100); // ±3.5% around the ratio
            }
            paired = new Result.Paired(rounds, List.of(), MedianInterval.of(rounds, 0.95), 0.05);
        }
        Map<String, Double> phases = new LinkedHashMap<>();
        for (Phase p : Phase.values()) {
            phases.put(p.label(), ms / Phase.values().length);
        }
        Double forward = mode == Mode.STORED && backwardMs > 0 ? 4.0 : null;
        Double backward = mode == Mode.STORED && backwardMs > 0 ? backwardMs : null;
        return new Result(model, mode, 8, DType.FLOAT32, blocks, new Result.Timing(ms, ms * 0.9, ms * 1.1, 5, 1), paired, phases, forward, backward,
                peak, peak, 1000L);
    }

    static BenchmarkRun.Outcome outcome() {
        List<Result> runs = List.of(
                run("stack-2", Mode.STORED, 2, 10, 10, 200, 6),
                run("stack-2", Mode.REVERSIBLE, 2, 14, 10, 100, 0),
                run("stack-8", Mode.STORED, 8, 40, 40, 800, 0),
                run("stack-8", Mode.REVERSIBLE, 8, 56, 40, 100, 0),
                run("revvit-d2-t64", Mode.STORED, 2, 10, 10, 300, 8),
                run("revvit-d2-t64", Mode.REVERSIBLE, 2, 15, 10, 120, 0),
                run("revvit-d8-t64", Mode.STORED, 8, 40, 40, 1200, 0),
                run("revvit-d8-t64", Mode.REVERSIBLE, 8, 60, 40, 120, 0),
                run("revvit-d4-t16", Mode.STORED, 4, 5, 5, 100, 0),
                run("revvit-d4-t16", Mode.REVERSIBLE, 4, 7, 5, 30, 0),
                run("revvit-d4-t256", Mode.STORED, 4, 30, 30, 1600, 0),
                run("revvit-d4-t256", Mode.REVERSIBLE, 4, 45, 30, 400, 0));
        Sweep sweep = new Sweep("test", List.of(), List.of(2, 8), 2, 8, new RoundBudget(1, 8, 6, 8, 0.05, 0.03, List.of(), 60, 0), null);
        return new BenchmarkRun.Outcome(sweep, runs, List.of(new Drift(2, DType.FLOAT32, Precision.FP32, 1e-6, 1e-6, 1e-5, 1e-4), new Drift(8, DType.FLOAT64, Precision.FP32,
                1e-14, 1e-14, 1e-13, Double.NaN), new Drift(8, DType.FLOAT32, Precision.BF16, 1e-3, 1e-2, 1e-1, 2.0)), null,
                new Arithmetic(new PeakFlops(100, null, 2), Precision.FP32, Map.of(Arithmetic.key("revvit-d2-t64", 8), 100_000_000L)), 1.0);
    }

    @Test
    void summaryComputesRatiosAgainstTheSameModelsStoredModeAndTheBound() {
        Summary s = Summary.of(outcome());
        assertEquals(3.5 / 2.5, s.boundOf("stack-2"), 1e-12, "k = 6 / 4");
        assertEquals(4.0 / 3.0, s.boundOf("revvit-d2-t64"), 1e-12, "each timed model gets its own bound");
        assertTrue(Double.isNaN(s.boundOf("stack-8")));
        double c = 14.0 / Phase.values().length / 4; // reversible's reconstruction phase over stored's forward
        assertEquals((2 + 1.5 + c) / 2.5, s.couplingBoundOf("stack-2"), 1e-12, "the bound with the coupling's own arithmetic");
        assertTrue(Double.isNaN(s.couplingBoundOf("stack-8")), "no k, no bound");
        Summary.Row rev8 = s.rows().get(3);
        assertEquals(1.4, rev8.timeRatio(), 1e-12, "the median of the per-round ratios");
        assertEquals(1.4 * (1 - 3.5 / 100), rev8.timeRatioLow(), 1e-12, "8 rounds: the 95% interval is the smallest to the largest ratio");
        assertEquals(1.4 * (1 + 3.5 / 100), rev8.timeRatioHigh(), 1e-12);
        assertEquals(0.125, rev8.memoryRatio(), 1e-12);
    }

    @Test
    void writesEveryOutputWithTheDocumentedKeys() throws Exception {
        ReportWriter.write(outcome(), dir, "test");
        for (String file : List.of("results.json", "results.csv", "report.md", "report.html", Charts.OVERHEAD, Charts.MEMORY, Charts.TRADEOFF,
                Charts.DRIFT, Charts.TRANSFORMER_OVERHEAD, Charts.TRANSFORMER_MEMORY, Charts.TRANSFORMER_TOKENS)) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file + " missing or empty");
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertTrue(json.get("environment").has("libtorch"));
        JsonNode first = json.get("runs").get(0);
        for (String key : List.of("model", "mode", "batch", "dtype", "blocks", "step_ms", "phases_ms", "forward_ms", "backward_ms",
                "peak_activation_bytes", "estimated_activation_bytes", "params")) {
            assertTrue(first.has(key), "run lacks " + key);
        }
        JsonNode reversible = json.get("runs").get(1).get("ratio_to_stored");
        assertEquals(8, reversible.get("rounds").size(), "the per-round ratios");
        assertTrue(reversible.get("low").asDouble() < reversible.get("median").asDouble());
        assertTrue(reversible.get("high").asDouble() > reversible.get("median").asDouble());
        assertTrue(Files.size(dir.resolve(Charts.PHASES)) > 0, "the phase breakdown chart");
        assertTrue(Files.readString(dir.resolve("report.md")).contains("## Where the time goes"));
        assertEquals(5, first.get("step_ms").get("samples").asInt());
        assertEquals(13, Files.readAllLines(dir.resolve("results.csv")).size(), "header plus twelve runs");
        assertEquals(2.0, json.get("summary").get("bounds_per_model").get("revvit-d2-t64").get("k").asDouble(), 1e-12);
        assertTrue(json.get("summary").get("bounds_per_model").get("stack-2").get("bound_with_coupling").asDouble() > 1.4,
                json.get("summary").toString());
        assertEquals("stored", first.get("mode").asText(), "modes and dtypes as their command-line labels");
        assertEquals("float32", first.get("dtype").asText());
        assertTrue(reversible.has("relative_half_width") && reversible.get("relative_half_width").asDouble() > 0, reversible.toString());
        JsonNode ratio = json.get("summary").get("ratios").get(1);
        for (String key : List.of("model", "mode", "time_ratio_to_stored", "time_ratio_low", "time_ratio_high", "bound",
                "memory_ratio_to_stored", "measured_over_estimated_memory")) {
            assertTrue(ratio.has(key), "summary row lacks " + key + ": " + ratio);
        }
        assertTrue(json.get("summary").get("ratios").get(0).get("time_ratio_low").isNull(), "stored mode has no interval: null, not NaN");
        assertEquals("float32", json.get("drift").get(0).get("dtype").asText());
        assertTrue(json.get("drift").get(0).has("inverse_max_abs_error"), json.get("drift").toString());
        assertEquals("bf16", json.get("drift").get(2).get("precision").asText(), "the policy by its command-line label");
        assertTrue(json.get("drift").get(1).get("stored_angle_to_float64_degrees").isNull(), "no float64 angle in float64: null");
        assertTrue(Files.readString(dir.resolve("report.md")).contains("| 8 | bf16 | 1.00e-03 | 1.00e-02 | 1.00e-01 | 2.00e+00 |"),
                "the drift table labels a bf16 row by its policy");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<img src=\"" + Charts.MEMORY + "\""), "the HTML report shows the charts");
        assertTrue(html.contains("<table>") && html.contains("<th"), "tables rendered with their header row");
    }

    @Test
    void eachCountedRowGetsItsRateAndFractionOfTheMeasuredPeak() throws Exception {
        ReportWriter.write(outcome(), dir, "test");
        String md = Files.readString(dir.resolve("report.md"));
        // 1e8 forward FLOPs: 0.3 GFLOP a step; 10 ms stored is 30 GFLOP/s of 100, 15 ms reversible 20
        assertTrue(md.contains("| revvit-d2-t64 | stored | 8 | 0.300 | 30.0 | 30.0% |"), md);
        assertTrue(md.contains("| revvit-d2-t64 | reversible | 8 | 0.300 | 20.0 | 20.0% |"), md);
        assertTrue(md.contains("100.0 GFLOP/s in float32 (no bfloat16 units on this CPU)"), md);
        assertTrue(!md.contains("| stack-2 | stored | 8 | 0."), "a configuration without a count gets no row");
        JsonNode arithmetic = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("arithmetic");
        assertEquals(100.0, arithmetic.get("peak_gflops").get("float32").asDouble(), 1e-12);
        assertEquals(100.0, arithmetic.get("limit_gflops").asDouble(), 1e-12);
        assertEquals(2, arithmetic.get("rows").size());
        assertEquals(0.2, arithmetic.get("rows").get(1).get("fraction_of_peak").asDouble(), 1e-12);
    }

    @Test
    void theBfloat16LimitHoldsABfloat16SweepWhereTheCpuHasTheUnits() {
        PeakFlops peak = new PeakFlops(100, 250.0, 2);
        assertEquals(250.0, peak.gflopsFor(Precision.BF16), 0);
        assertEquals(100.0, peak.gflopsFor(Precision.FP32), 0);
        assertEquals(100.0, new PeakFlops(100, null, 2).gflopsFor(Precision.BF16), 0, "no units: float32's limit");
    }

    @Test
    void setAsideRoundsAndUndecidedRowsAreReportedAndTheRawRoundsKept() throws Exception {
        BenchmarkRun.Outcome o = outcome();
        List<Result> runs = new java.util.ArrayList<>(o.runs());
        // stack-8 reversible: two glitched rounds (0.31, 0.34) and a scatter of ±20 % that leaves it undecided at ±5 %
        double[] raw = {1.31, 0.31, 1.1, 1.6, 0.34, 1.2, 1.5, 1.4, 1.45, 1.35};
        RoundScreen screen = RoundScreen.of(raw);
        Result r = runs.get(3);
        runs.set(3, new Result(r.model(), r.mode(), r.batch(), r.dtype(), r.blocks(), r.stepMs(), new Result.Paired(raw, screen.excluded(),
                screen.interval(), 0.05), r.phasesMs(), r.forwardMs(), r.backwardMs(), r.peakActivationBytes(), r.estimatedActivationBytes(),
                r.params()));
        BenchmarkRun.Outcome changed = new BenchmarkRun.Outcome(o.sweep(), runs, o.drift(), null, o.arithmetic(), 1.0);
        assertTrue(changed.decided().startsWith("5 of 6 rows decided; undecided: stack-8 reversible ±"), changed.decided());
        ReportWriter.write(changed, dir, "test");
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("**5 of 6 rows decided; undecided: stack-8 reversible"), md);
        assertTrue(md.contains("| stack-8 | reversible | 8 | 8 | 56.0 | 50.4 | 61.6 | 5 | 1 | 2 |"), "the set-aside count in its row");
        JsonNode row = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("runs").get(3).get("ratio_to_stored");
        assertEquals(10, row.get("rounds").size(), "every round as measured, the glitches too");
        assertEquals(2, row.get("set_aside").size());
        assertEquals("below the floor", row.get("set_aside").get(0).get("reason").asText());
        assertEquals(1, row.get("set_aside").get(0).get("round").asInt());
        assertEquals(8, row.get("n").asInt(), "the interval is over the rounds kept");
        assertTrue(!row.get("decided").asBoolean());
    }

    @Test
    void aSweepWithAFrontGetsTheParetoSectionChartAndJson() throws Exception {
        BenchmarkRun.Outcome o = outcome();
        var options = new MemoryPlanner.Options("revnet-38", 8, 32, io.github.revnet.core.DType.FLOAT32, Long.MAX_VALUE, 6, 2);
        List<io.github.revnet.core.models.Plan> plans = List.of(io.github.revnet.core.models.Plan.parse("stored"), io.github.revnet.core.models.Plan.parse(
                "reversible"), io.github.revnet.core.models.Plan.parse("checkpoint"));
        // checkpoint is slower and heavier than reversible here: off the front
        var candidates = MemoryPlanner.pareto(plans, Map.of(plans.get(0), 10.0, plans.get(1), 14.0, plans.get(2), 15.0),
                Map.of(plans.get(0), 300L, plans.get(1), 100L, plans.get(2), 150L));
        ReportWriter.write(new BenchmarkRun.Outcome(o.sweep(), o.runs(), o.drift(), new MemoryPlanner.Front(options, candidates), o.arithmetic(), 1.0), dir,
                "test");
        assertTrue(Files.size(dir.resolve(ReportWriter.PARETO_CHART)) > 0);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("## Memory-budget planner: the Pareto front of revnet-38 at batch 8"));
        assertTrue(md.contains("| checkpoint | 15.0 | 0.0 |  |"), md);
        JsonNode plansJson = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("pareto_front").get("plans");
        assertEquals(3, plansJson.size());
        assertEquals(List.of(true, true, false), List.of(plansJson.get(0).get("pareto_optimal").asBoolean(), plansJson.get(1).get(
                "pareto_optimal").asBoolean(), plansJson.get(2).get("pareto_optimal").asBoolean()));
    }
}
