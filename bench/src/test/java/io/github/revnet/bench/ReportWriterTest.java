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
                run("stack-8", "reversible", 8, 56, 100));
        Sweep sweep = new Sweep("test", List.of(), List.of(2, 8), 2, 8, 1, 5, "stack-2", 8);
        return new BenchmarkRun.Outcome(sweep, runs, List.of(new Drift(2, "float32", 1e-6, 1e-6, 1e-5), new Drift(8, "float64", 1e-14,
                1e-14, 1e-13)), 1.0);
    }

    @Test
    void summaryComputesRatiosAgainstTheSameModelsStoredModeAndTheBound() {
        Summary s = Summary.of(outcome());
        assertEquals(1.5, s.k(), 1e-12);
        assertEquals(3.5 / 2.5, s.bound(), 1e-12);
        Summary.Row rev8 = s.rows().get(3);
        assertEquals(1.4, rev8.timeRatio(), 1e-12);
        assertEquals(0.125, rev8.memoryRatio(), 1e-12);
    }

    @Test
    void writesEveryOutputWithTheDocumentedKeys() throws Exception {
        ReportWriter.write(outcome(), dir, "test");
        for (String file : List.of("results.json", "results.csv", "report.md", "report.html", Charts.OVERHEAD, Charts.MEMORY, Charts.TRADEOFF,
                Charts.DRIFT)) {
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
        assertEquals(5, Files.readAllLines(dir.resolve("results.csv")).size(), "header plus four runs");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<img src=\"" + Charts.MEMORY + "\""), "the HTML report shows the charts");
        assertTrue(html.contains("<table>"));
    }
}
