package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.core.DType;
import io.github.revnet.core.training.LearningRateSchedule;
import io.github.revnet.core.training.TrainingComparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingReportTest {
    @TempDir
    Path dir;

    private static TrainingComparison.Outcome outcome() {
        List<TrainingComparison.Point> curve = new ArrayList<>();
        for (int step = 1; step <= 30; step++) {
            Double angle = step % 10 == 0 || step == 1 ? 1e-5 * step : null;
            curve.add(new TrainingComparison.Point(step, 2.0 / step, 2.0 / step + 1e-4, angle));
        }
        var options = new TrainingComparison.Options("revnet-38", 30, 64, 7, 0.05, LearningRateSchedule.COSINE,
                10, 60000, 2000, DType.FLOAT32);
        return new TrainingComparison.Outcome(options, new TrainingComparison.Run(0.81, 0.0667), new TrainingComparison.Run(0.805, 0.0668),
                curve, 12.5);
    }

    @Test
    void theJsonHasTheIssuesKeysAndReadsBackToTheSameOutcome() throws Exception {
        Path file = dir.resolve("train.json");
        TrainingReport.write(TrainingReport.json(outcome()), file);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        for (String key : List.of("model", "steps", "batch", "seed", "stored", "reversible", "max_grad_angle_degrees", "curve")) {
            assertTrue(json.has(key), "missing " + key);
        }
        assertEquals(0.81, json.get("stored").get("test_accuracy").asDouble());
        assertEquals(3e-4, json.get("max_grad_angle_degrees").asDouble(), 1e-18);
        assertTrue(json.get("curve").get(0).has("grad_angle_degrees"), "sampled step has its angle");
        assertTrue(!json.get("curve").get(1).has("grad_angle_degrees"), "the angle key appears only at sampled steps");
        TrainingComparison.Outcome back = TrainingReport.read(file);
        assertEquals(outcome().curve(), back.curve());
        assertEquals(outcome().options(), back.options());
        assertEquals(outcome().stored(), back.stored());
    }

    @Test
    void aFileWithoutACurveIsRejectedNamingTheMissingKey() throws Exception {
        Path file = Files.writeString(dir.resolve("check.json"), "{\"model\": \"revnet-38\", \"steps\": 3}");
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingReport.read(file));
        assertTrue(e.getMessage().contains("\"batch\""), e.getMessage());
    }

    @Test
    void theMovingAverageCoversTheStepsSeenSoFar() {
        double[] values = new double[TrainingReport.SMOOTHING + 2];
        java.util.Arrays.fill(values, 1);
        values[0] = 3;
        double[] smooth = TrainingReport.movingAverage(values);
        assertEquals(3, smooth[0]);
        assertEquals(2, smooth[1]);
        assertEquals(1 + 2.0 / TrainingReport.SMOOTHING, smooth[TrainingReport.SMOOTHING - 1], 1e-12);
        assertArrayEquals(new double[] {1, 1}, java.util.Arrays.copyOfRange(smooth, TrainingReport.SMOOTHING, values.length), 1e-12);
    }

    @Test
    void theReportGainsATrainingSectionWithBothCharts() throws Exception {
        ReportWriter.write(ReportWriterTest.outcome(), dir, "test", TrainingReport.Section.of(outcome(), "a test"));
        assertTrue(Files.size(dir.resolve(TrainingReport.LOSS_CHART)) > 0);
        assertTrue(Files.size(dir.resolve(TrainingReport.ANGLE_CHART)) > 0);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("## Training on Fashion-MNIST") && md.contains("| stored | 0.8100 |") && md.contains("0.50 percentage points"), md);
        assertEquals(0.805, new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("training").get("reversible")
                .get("test_accuracy").asDouble());
    }

    @Test
    void aSkippedTrainingSectionSaysWhy() throws Exception {
        ReportWriter.write(ReportWriterTest.outcome(), dir, "test", TrainingReport.Section.skipped("no data here"));
        assertTrue(Files.readString(dir.resolve("report.md")).contains("Skipped: no data here"));
        assertTrue(!Files.exists(dir.resolve(TrainingReport.LOSS_CHART)));
    }
}
