package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.Mode;
import io.github.revnet.core.training.LearningRateSchedule;
import io.github.revnet.core.training.TrainingComparison;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A stored-vs-reversible training comparison as JSON, as charts, and as the report's training section. */
public final class TrainingReport {
    public static final String LOSS_CHART = "training-loss.png";
    public static final String ANGLE_CHART = "training-angle.png";
    /** Window of the moving average drawn over the per-step losses. */
    static final int SMOOTHING = 20;

    private TrainingReport() {
    }

    /** The report's training section: a comparison and where it came from, or why there is none. */
    public record Section(TrainingComparison.Outcome outcome, String source, String skippedBecause) {
        public static Section of(TrainingComparison.Outcome outcome, String source) {
            return new Section(outcome, source, null);
        }

        public static Section skipped(String reason) {
            return new Section(null, null, reason);
        }
    }

    /** The JSON object `train --compare --json` writes. */
    public static Map<String, Object> json(TrainingComparison.Outcome o) {
        TrainingComparison.Options opt = o.options();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", opt.model());
        out.put("steps", opt.steps());
        out.put("batch", opt.batch());
        out.put("seed", opt.seed());
        out.put("learning_rate", opt.learningRate());
        out.put("schedule", opt.schedule().label());
        out.put("dtype", opt.dtype().label());
        out.put("precision", opt.precision().label());
        out.put("drop_path", opt.dropPath());
        out.put("angle_every", opt.angleEvery());
        out.put("train_limit", opt.trainLimit());
        out.put("test_limit", opt.testLimit());
        out.put(Mode.STORED.label(), run(o.stored()));
        out.put(Mode.REVERSIBLE.label(), run(o.reversible()));
        out.put("accuracy_difference_points", 100 * Math.abs(o.stored().testAccuracy() - o.reversible().testAccuracy()));
        out.put("max_grad_angle_degrees", o.maxGradAngleDegrees());
        out.put("seconds", o.seconds());
        List<Map<String, Object>> curve = new ArrayList<>();
        for (TrainingComparison.Point p : o.curve()) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("step", p.step());
            point.put("stored_loss", p.storedLoss());
            point.put("reversible_loss", p.reversibleLoss());
            if (p.gradAngleDegrees() != null) {
                point.put("grad_angle_degrees", p.gradAngleDegrees());
            }
            curve.add(point);
        }
        out.put("curve", curve);
        return out;
    }

    public static Map<String, Object> run(TrainingComparison.Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test_accuracy", r.testAccuracy());
        m.put("final_loss", r.finalLoss());
        return m;
    }

    public static void write(Map<String, Object> json, Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    /** Reads what {@link #json} wrote; settings an older file lacks get the command line's defaults. */
    public static TrainingComparison.Outcome read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        for (String key : List.of("model", "steps", "batch", "seed", "stored", "reversible", "curve")) {
            if (!root.hasNonNull(key)) {
                throw new IllegalArgumentException(file + " is not a `train --compare --json` result: it has no \"" + key + "\"");
            }
        }
        var options = new TrainingComparison.Options(root.get("model").asText(), root.get("steps").asInt(), root.get("batch").asInt(),
                root.get("seed").asLong(), root.path("learning_rate").asDouble(0.05),
                LearningRateSchedule.parse(root.path("schedule").asText("constant")), root.path("angle_every").asInt(100),
                root.path("train_limit").asInt(60000), root.path("test_limit").asInt(10000),
                DType.parse(root.path("dtype").asText("float32")), Precision.parse(root.path("precision").asText("fp32")),
                root.path("drop_path").asDouble(0));
        List<TrainingComparison.Point> curve = new ArrayList<>();
        for (JsonNode p : root.get("curve")) {
            JsonNode angle = p.get("grad_angle_degrees");
            curve.add(new TrainingComparison.Point(p.get("step").asInt(), p.get("stored_loss").asDouble(),
                    p.get("reversible_loss").asDouble(), angle == null || angle.isNull() ? null : angle.asDouble()));
        }
        return new TrainingComparison.Outcome(options, runOf(root.get("stored")), runOf(root.get("reversible")), curve,
                root.path("seconds").asDouble(Double.NaN));
    }

    private static TrainingComparison.Run runOf(JsonNode node) {
        return new TrainingComparison.Run(node.get("test_accuracy").asDouble(), node.get("final_loss").asDouble());
    }

    /** Loss curves (moving averages) and the sampled gradient angle over training, as PNG files in {@code dir}. */
    public static void writeCharts(TrainingComparison.Outcome o, Path dir) throws IOException {
        List<TrainingComparison.Point> curve = o.curve();
        double[] steps = curve.stream().mapToDouble(TrainingComparison.Point::step).toArray();
        XYChart loss = chart(String.format("Training loss, %s on Fashion-MNIST (moving average of %d steps)", o.options().model(),
                SMOOTHING), "step", "cross-entropy loss");
        loss.addSeries(Mode.STORED.label(), steps, movingAverage(curve.stream().mapToDouble(TrainingComparison.Point::storedLoss).toArray()))
                .setMarker(SeriesMarkers.NONE);
        loss.addSeries(Mode.REVERSIBLE.label(), steps,
                movingAverage(curve.stream().mapToDouble(TrainingComparison.Point::reversibleLoss).toArray())).setMarker(SeriesMarkers.NONE);
        ChartStyle.save(loss, dir.resolve(LOSS_CHART));

        XYChart angle = chart("Angle between stored and reconstructed gradients over training", "step", "degrees (log scale)");
        angle.getStyler().setYAxisLogarithmic(true);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (TrainingComparison.Point p : curve) {
            if (p.gradAngleDegrees() != null && p.gradAngleDegrees() > 0) {
                xs.add((double) p.step());
                ys.add(p.gradAngleDegrees());
            }
        }
        if (!xs.isEmpty()) {
            angle.addSeries(o.options().dtype().label(), xs, ys);
        }
        ChartStyle.save(angle, dir.resolve(ANGLE_CHART));
    }

    static double[] movingAverage(double[] values) {
        double[] out = new double[values.length];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i];
            if (i >= SMOOTHING) {
                sum -= values[i - SMOOTHING];
            }
            out[i] = sum / Math.min(i + 1, SMOOTHING);
        }
        return out;
    }

    private static XYChart chart(String title, String x, String y) {
        return ChartStyle.lines(title, x, y, org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    }

    /** The report's training section, in Markdown. */
    public static String markdown(TrainingComparison.Outcome o, String source) {
        TrainingComparison.Options opt = o.options();
        double maxLossGap = o.curve().stream().mapToDouble(p -> Math.abs(p.storedLoss() - p.reversibleLoss())).max().orElse(0);
        StringBuilder md = new StringBuilder("## Training on Fashion-MNIST: stored against reversible backprop\n\n");
        md.append(String.format("Source: %s. %s, %s, %d steps of batch %d, seed %d, SGD lr %s (%s schedule) with momentum 0.9; both modes"
                + " start from the same weights and see the same batches; %.0f s.%n%n", source, opt.model(), opt.dtype().label(), opt.steps(),
                opt.batch(), opt.seed(), opt.learningRate(), opt.schedule().label(), o.seconds()));
        md.append("| mode | test accuracy | final loss |\n|---|---|---|\n");
        md.append(String.format("| stored | %.4f | %.4f |%n", o.stored().testAccuracy(), o.stored().finalLoss()));
        md.append(String.format("| reversible | %.4f | %.4f |%n%n", o.reversible().testAccuracy(), o.reversible().finalLoss()));
        md.append(String.format("Accuracy difference %.2f percentage points (on the first %d test images); largest per-step loss"
                + " difference %.2e; largest gradient angle %.2e degrees (sampled every %d steps).%n%n",
                100 * Math.abs(o.stored().testAccuracy() - o.reversible().testAccuracy()), opt.testLimit(), maxLossGap,
                o.maxGradAngleDegrees(), opt.angleEvery()));
        md.append("### Training loss\n\n![Training loss](").append(LOSS_CHART).append(")\n\n");
        md.append("### Gradient angle over training\n\n![Gradient angle over training](").append(ANGLE_CHART).append(")\n\n");
        return md.toString();
    }
}
