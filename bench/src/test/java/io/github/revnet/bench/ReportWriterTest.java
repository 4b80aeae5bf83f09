package io.github.revnet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    @TempDir
    Path dir;

    private static Result run(String model, String mode, int blocks, double ms, long peak) {
        return new Result(model, mode, 8, "float32", blocks, new Result.Timing(ms, ms * 0.9, ms * 1.1, 5), null, null, peak, peak, 1000L);
    }

    static BenchmarkRun.Outcome outcome() {
        List<Result> runs = List.of(
                run("stack-2", "stored", 2, 10, 200).withPasses(4, 6),
                run("stack-2", "reversible", 2, 14, 100),
                run("stack-8", "stored", 8, 40, 800),
                run("stack-8", "reversible", 8, 56, 100),
                run("revvit-d2-t64", "stored", 2, 10, 300).withPasses(4, 8),
                run("revvit-d2-t64", "reversible", 2, 15, 120),
                run("revvit-d8-t64", "stored", 8, 40, 1200),
                run("revvit-d8-t64", "reversible", 8, 60, 120),
                run("revvit-d4-t16", "stored", 4, 5, 100),
                run("revvit-d4-t16", "reversible", 4, 7, 30),
                run("revvit-d4-t256", "stored", 4, 30, 1600),
                run("revvit-d4-t256", "reversible", 4, 45, 400));
        Sweep.Config pass = new Sweep.Config("stack-2", 8, 32, "float32", List.of("stored"), 0);
        Sweep.Config transformerPass = new Sweep.Config("revvit-d2-t64", 8, 32, "float32", List.of("stored"), 0);
        Sweep sweep = new Sweep("test", List.of(), List.of(2, 8), 2, 8, 1, 5, List.of(pass, transformerPass));
        return new BenchmarkRun.Outcome(sweep, runs, List.of(new Drift(2, "float32", 1e-6, 1e-6, 1e-5), new Drift(8, "float64", 1e-14,
                1e-14, 1e-13)), 1.0);
    }

    @Test
    void summaryComputesRatiosAgainstTheSameModelsStoredModeAndTheBound() {
        Summary s = Summary.of(outcome());
        assertEquals(1.5, s.k(), 1e-12);
        assertEquals(3.5 / 2.5, s.bound(), 1e-12);
        assertEquals(4.0 / 3.0, s.boundOf("revvit-d2-t64"), 1e-12, "each timed model gets its own bound");
        assertTrue(Double.isNaN(s.boundOf("stack-8")));
        Summary.Row rev8 = s.rows().get(3);
        assertEquals(1.4, rev8.timeRatio(), 1e-12);
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
        for (String key : List.of("model", "mode", "batch", "dtype", "blocks", "step_ms", "forward_ms", "backward_ms", "peak_activation_bytes",
                "estimated_activation_bytes", "params")) {
            assertTrue(first.has(key), "run lacks " + key);
        }
        assertEquals(5, first.get("step_ms").get("samples").asInt());
        assertEquals(13, Files.readAllLines(dir.resolve("results.csv")).size(), "header plus twelve runs");
        assertEquals(2.0, json.get("summary").get("bounds_per_model").get("revvit-d2-t64").get("k").asDouble(), 1e-12);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<img src=\"" + Charts.MEMORY + "\""), "the HTML report shows the charts");
        assertTrue(html.contains("<table>"));
    }
}
