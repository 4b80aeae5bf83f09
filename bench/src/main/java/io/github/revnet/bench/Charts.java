package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.profile.Phase;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, drawn by XChart and saved as PNG files. */
final class Charts {
    static final String OVERHEAD = "overhead-vs-depth.png";
    static final String MEMORY = "memory-vs-depth.png";
    static final String TRADEOFF = "tradeoff.png";
    static final String DRIFT = "drift-vs-depth.png";
    static final String TRANSFORMER_OVERHEAD = "transformer-overhead-vs-depth.png";
    static final String TRANSFORMER_MEMORY = "transformer-memory-vs-depth.png";
    static final String TRANSFORMER_TOKENS = "transformer-memory-vs-tokens.png";
    static final String SCRIPTED_OVERHEAD = "scripted-overhead-vs-depth.png";
    static final String SCRIPTED_MEMORY = "scripted-memory-vs-depth.png";
    static final String PHASES = "phases.png";
    /** The models whose step is drawn phase by phase, where the sweep has them. */
    static final List<String> PHASE_MODELS = List.of("stack-8", "stack-16", "revnet-38", "revnet-164", "revvit-d8-t64", "revvit-tiny",
            "scripted-d8");

    private Charts() {
    }

    /** Draws every chart whose family the run measured; returns the file names written. */
    static java.util.Set<String> writeAll(BenchmarkRun.Outcome o, Summary summary, Path dir) throws IOException {
        java.util.Set<String> written = new java.util.LinkedHashSet<>();
        phases(o, dir, written);
        List<Result> stacks = o.runs().stream().filter(r -> r.model().startsWith("stack-")).toList();
        if (stacks.isEmpty()) {
            transformers(o, summary, dir, written);
            scripted(o, summary, dir, written);
            return written;
        }

        XYChart overhead = chart("Step time relative to stored mode (synthetic stacks, 95% intervals)", "reversible blocks",
                "time / stored time");
        for (Mode mode : List.of(Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            ratioSeries(overhead, mode.label(), stacks, mode, summary);
        }
        boundSeries(overhead, stacks, summary);
        constant(overhead, "4/3 (4N vs 3N operations)", stacks, 4.0 / 3.0);
        save(overhead, dir.resolve(OVERHEAD), written);

        XYChart memory = chart("Peak activation memory (synthetic stacks, measured)", "reversible blocks", "MiB");
        for (Mode mode : List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            series(memory, mode.label(), stacks, mode, r -> r.peakActivationBytes() / 1048576.0);
        }
        save(memory, dir.resolve(MEMORY), written);

        XYChart tradeoff = chart("Memory saved against time paid (relative to stored mode)", "step time / stored step time",
                "activation memory saved");
        tradeoff.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (Mode mode : List.of(Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Result r : o.runs()) {
                if (r.mode() == mode) {
                    x.add(summary.row(r).timeRatio());
                    y.add(1 - ratio(o.runs(), r, t -> (double) t.peakActivationBytes()));
                }
            }
            if (!x.isEmpty()) {
                tradeoff.addSeries(mode.label(), x, y);
            }
        }
        save(tradeoff, dir.resolve(TRADEOFF), written);

        XYChart drift = chart("Reconstruction drift against depth", "reversible blocks", "error (log scale)");
        drift.getStyler().setYAxisLogarithmic(true);
        for (Drift.Format format : Drift.FORMATS) {
            List<Drift> rows = o.drift().stream().filter(d -> d.format().equals(format)).toList();
            addPositive(drift, "inverse max abs error, " + format.label(), rows, Drift::inverseMaxAbsError);
            addPositive(drift, "max relative gradient error, " + format.label(), rows, Drift::maxRelativeGradError);
        }
        save(drift, dir.resolve(DRIFT), written);
        transformers(o, summary, dir, written);
        return written;
    }

    /** The RevViT family: synthetic stacks of 4x4-patch tokens, width 64, additive coupling (affine drawn as its own points). */
    private static void transformers(BenchmarkRun.Outcome o, Summary summary, Path dir, java.util.Set<String> written) throws IOException {
        List<Result> depth = o.runs().stream().filter(r -> r.model().matches("revvit-d\\d+-t64")).toList();
        if (depth.isEmpty()) {
            return;
        }
        XYChart overhead = chart("Step time relative to stored mode (RevViT, 64 tokens, 95% intervals)", "reversible blocks",
                "time / stored time");
        for (Mode mode : List.of(Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            ratioSeries(overhead, mode.label(), depth, mode, summary);
            List<Result> affine = o.runs().stream().filter(r -> r.model().matches("revvit-d\\d+-t64-affine")).toList();
            ratioSeries(overhead, mode + ", affine coupling", affine, mode, summary);
        }
        boundSeries(overhead, depth, summary);
        save(overhead, dir.resolve(TRANSFORMER_OVERHEAD), written);

        XYChart memory = chart("Peak activation memory (RevViT, 64 tokens, measured)", "reversible blocks", "MiB");
        for (Mode mode : List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            series(memory, mode.label(), depth, mode, r -> r.peakActivationBytes() / 1048576.0);
        }
        save(memory, dir.resolve(TRANSFORMER_MEMORY), written);

        List<Result> tokens = o.runs().stream().filter(r -> r.model().matches("revvit-d4-t\\d+")).toList();
        XYChart perToken = chart("Peak activation memory against sequence length (RevViT, 4 blocks, measured)", "tokens", "MiB");
        perToken.getStyler().setXAxisLogarithmic(true);
        for (Mode mode : List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Result r : tokens) {
                if (r.mode() == mode && r.peakActivationBytes() != null) {
                    xs.add(Double.parseDouble(r.model().replaceAll(".*-t", "")));
                    ys.add(r.peakActivationBytes() / 1048576.0);
                }
            }
            if (!xs.isEmpty()) {
                perToken.addSeries(mode.label(), xs, ys);
            }
        }
        if (!perToken.getSeriesMap().isEmpty()) {
            save(perToken, dir.resolve(TRANSFORMER_TOKENS), written);
        }
    }

    /** A user's TorchScript block in stacks of growing depth: overhead next to its own bound, and measured memory. */
    private static void scripted(BenchmarkRun.Outcome o, Summary summary, Path dir, java.util.Set<String> written) throws IOException {
        List<Result> depth = o.runs().stream().filter(r -> r.model().matches("scripted-d\\d+")).toList();
        if (depth.isEmpty()) {
            return;
        }
        XYChart overhead = chart("Step time relative to stored mode (your block, 95% intervals)", "reversible blocks",
                "time / stored time");
        for (Mode mode : List.of(Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            ratioSeries(overhead, mode.label(), depth, mode, summary);
        }
        boundSeries(overhead, depth, summary);
        save(overhead, dir.resolve(SCRIPTED_OVERHEAD), written);
        XYChart memory = chart("Peak activation memory (your block, measured)", "reversible blocks", "MiB");
        for (Mode mode : List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT)) {
            series(memory, mode.label(), depth, mode, r -> r.peakActivationBytes() / 1048576.0);
        }
        save(memory, dir.resolve(SCRIPTED_MEMORY), written);
    }

    /**
     * Where a step's time goes, one stacked bar per model and mode, each phase's median in units of
     * the model's stored step, so a bar's height reads as its time ratio and its segments show what
     * the extra time is spent on.
     */
    private static void phases(BenchmarkRun.Outcome o, Path dir, java.util.Set<String> written) throws IOException {
        List<Result> rows = o.runs().stream().filter(r -> PHASE_MODELS.contains(r.model()) && r.phasesMs() != null).toList();
        if (rows.isEmpty()) {
            return;
        }
        CategoryChart chart = ChartStyle.bars("Where a training step's time goes (median per phase)", "model, mode",
                "time / the model's stored step time");
        chart.getStyler().setStacked(true);
        List<String> categories = rows.stream().map(r -> r.model() + " " + r.mode()).toList();
        for (Phase phase : Phase.values()) {
            List<Double> values = new ArrayList<>();
            for (Result r : rows) {
                double stored = storedOf(o.runs(), r).orElse(r).stepMs().median();
                values.add(r.phasesMs().get(phase.label()) / stored);
            }
            if (values.stream().anyMatch(v -> v > 0)) {
                chart.addSeries(phase.label(), categories, values);
            }
        }
        ChartStyle.save(chart, dir.resolve(PHASES));
        written.add(PHASES);
    }

    /** The same model's stored-mode value of {@code f}, as the denominator. */
    static double ratio(List<Result> runs, Result r, ToDoubleFunction<Result> f) {
        return storedOf(runs, r).map(s -> f.applyAsDouble(r) / f.applyAsDouble(s)).orElse(Double.NaN);
    }

    /** The stored-mode run of {@code r}'s model and batch. */
    static Optional<Result> storedOf(List<Result> runs, Result r) {
        return runs.stream().filter(s -> s.model().equals(r.model()) && s.batch() == r.batch() && s.mode() == Mode.STORED).findFirst();
    }

    private static XYChart chart(String title, String x, String y) {
        return ChartStyle.lines(title, x, y, org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
    }

    private static void series(XYChart chart, String name, List<Result> rows, Mode mode, ToDoubleFunction<Result> y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Result r : rows) {
            if (r.mode() == mode) {
                xs.add((double) r.blocks());
                ys.add(y.applyAsDouble(r));
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys);
        }
    }

    /**
     * A mode's median ratio to stored mode against depth, its 95% interval as an error bar. XChart
     * draws symmetric bars: each is the interval's larger side, so the bar never understates it.
     */
    private static void ratioSeries(XYChart chart, String name, List<Result> rows, Mode mode, Summary summary) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (Result r : rows) {
            if (r.mode() == mode) {
                Summary.Row row = summary.row(r);
                xs.add((double) r.blocks());
                ys.add(row.timeRatio());
                double error = Math.max(row.timeRatioHigh() - row.timeRatio(), row.timeRatio() - row.timeRatioLow());
                errors.add(Double.isFinite(error) ? error : 0.0);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys, errors);
        }
    }

    /** Each model's own (2 + k)/(1 + k), at its depth. */
    private static void boundSeries(XYChart chart, List<Result> rows, Summary summary) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Result r : rows) {
            if (r.mode() == Mode.STORED && Double.isFinite(summary.boundOf(r.model()))) {
                xs.add((double) r.blocks());
                ys.add(summary.boundOf(r.model()));
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries("(2+k)/(1+k), each model's own k", xs, ys).setMarker(SeriesMarkers.DIAMOND);
        }
    }

    private static void constant(XYChart chart, String name, List<Result> rows, double value) {
        double lo = rows.stream().mapToDouble(Result::blocks).min().orElse(0);
        double hi = rows.stream().mapToDouble(Result::blocks).max().orElse(1);
        chart.addSeries(name, new double[] {lo, hi}, new double[] {value, value}).setMarker(SeriesMarkers.NONE);
    }

    private static void addPositive(XYChart chart, String name, List<Drift> rows, ToDoubleFunction<Drift> y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Drift d : rows) {
            double v = y.applyAsDouble(d);
            if (v > 0) {
                xs.add((double) d.blocks());
                ys.add(v);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys);
        }
    }

    private static void save(XYChart chart, Path file, java.util.Set<String> written) throws IOException {
        ChartStyle.save(chart, file);
        written.add(file.getFileName().toString());
    }

    static Map<String, String> titles() {
        return Map.of(OVERHEAD, "Time overhead against depth", MEMORY, "Activation memory against depth", TRADEOFF,
                "Trade-off: memory saved against time paid", DRIFT, "Numerical drift against depth", TRANSFORMER_OVERHEAD,
                "RevViT: time overhead against depth", TRANSFORMER_MEMORY, "RevViT: activation memory against depth", TRANSFORMER_TOKENS,
                "RevViT: activation memory against sequence length", SCRIPTED_OVERHEAD, "Your block: time overhead against depth",
                SCRIPTED_MEMORY, "Your block: activation memory against depth", PHASES, "Where the time goes: phases of a training step");
    }
}
