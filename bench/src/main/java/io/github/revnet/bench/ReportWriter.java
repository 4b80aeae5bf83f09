package io.github.revnet.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.github.revnet.bridge.Environment;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.profile.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/** Writes results.json, results.csv, report.md and report.html (with the charts) into the output folder. */
public final class ReportWriter {
    private ReportWriter() {
    }

    public static void write(BenchmarkRun.Outcome o, Path dir, String command) throws IOException {
        write(o, dir, command, null);
    }

    /** As {@link #write(BenchmarkRun.Outcome, Path, String)}, with a training section when {@code training} is given. */
    public static void write(BenchmarkRun.Outcome o, Path dir, String command, TrainingReport.Section training) throws IOException {
        Files.createDirectories(dir);
        Summary summary = Summary.of(o);
        java.util.Set<String> charts = Charts.writeAll(o, summary, dir);
        json(o, summary, dir, command, training);
        csv(o, dir);
        String markdown = markdown(o, summary, command, charts) + frontMarkdown(o.front()) + trainingMarkdown(training);
        if (o.front() != null) {
            PlanReport.chart(o.front().options(), o.front().candidates(), null, dir.resolve(PARETO_CHART));
        }
        if (training != null && training.outcome() != null) {
            TrainingReport.writeCharts(training.outcome(), dir);
        }
        Files.writeString(dir.resolve("report.md"), markdown);
        Files.writeString(dir.resolve("report.html"), html(markdown));
    }

    static Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("libtorch", Environment.libtorchVersion());
        env.put("javacpp", Environment.javacppVersion());
        env.put("threads", Torch.threads());
        env.put("cpu", Environment.cpuModel());
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("device", io.github.revnet.core.Device.CPU.label());
        env.put("cuda", io.github.revnet.bridge.CudaDevices.query().describe());
        env.put("java", System.getProperty("java.version"));
        return env;
    }

    static final String PARETO_CHART = "pareto.png";

    /** The planner's plans for one model, fastest first, the Pareto front marked, and its chart. */
    static String frontMarkdown(MemoryPlanner.Front front) {
        if (front == null) {
            return "";
        }
        MemoryPlanner.Options o = front.options();
        StringBuilder md = new StringBuilder(String.format("## Memory-budget planner: the Pareto front of %s at batch %d%n%n", o.model(),
                o.batch()));
        md.append(String.format("Every per-stack plan (`./revnet plan --model %s --batch %d` chooses among them for a budget): peak"
                + " activation memory measured by the malloc counter, the plans in turn in one probe process, step time the median of"
                + " %d rounds that interleave the plans. A plan is on the front when no other plan is both faster and lighter.%n%n", o.model(), o.batch(),
                o.rounds()));
        md.append("| plan (stack modes, in order) | step ms | peak activation MiB | on the front |\n|---|---|---|---|\n");
        front.candidates().stream().sorted(java.util.Comparator.comparingDouble(MemoryPlanner.Candidate::stepMs)).forEach(c -> md.append(
                String.format("| %s | %.1f | %.1f | %s |%n", c.plan(), c.stepMs(), c.peakBytes() / 1048576.0, c.paretoOptimal() ? "yes" : "")));
        md.append("\n![Pareto front](").append(PARETO_CHART).append(")\n\n");
        return md.toString();
    }

    private static String trainingMarkdown(TrainingReport.Section training) {
        if (training == null) {
            return "";
        }
        if (training.outcome() == null) {
            return "## Training on Fashion-MNIST\n\nSkipped: " + training.skippedBecause() + "\n";
        }
        return TrainingReport.markdown(training.outcome(), training.source());
    }

    /** results.json: snake_case names, labels for modes and dtypes, null for a figure that is not finite. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ResultsJson(String command, String sweep, String precision, double seconds, Map<String, Object> environment, List<Result> runs, List<Drift> drift,
            SummaryJson summary, FrontJson paretoFront, ArithmeticJson arithmetic, Object training) {
    }

    /** The machine's measured limit and each row's model FLOPs per step, rate and fraction of that limit. */
    record ArithmeticJson(@JsonProperty("peak_gflops") PeakFlops peak, @JsonProperty("limit_gflops") double limit,
            List<Arithmetic.Row> rows) {
    }

    record SummaryJson(Map<String, Bound> boundsPerModel, List<RatioRow> ratios) {
    }

    /** A model's k = backward / forward of its stored step and its bound (2 + k)/(1 + k). */
    record Bound(double k, double bound, @JsonProperty("coupling_cost") double couplingCost,
            @JsonProperty("bound_with_coupling") double boundWithCoupling) {
    }

    record RatioRow(String model, Mode mode, @JsonProperty("time_ratio_to_stored") double timeRatio, double timeRatioLow,
            double timeRatioHigh, double bound, @JsonProperty("memory_ratio_to_stored") double memoryRatio,
            @JsonProperty("measured_over_estimated_memory") double estimateRatio) {
    }

    record FrontJson(String model, int batch, int rounds, List<PlanJson> plans) {
    }

    record PlanJson(String plan, double stepMs, long peakActivationBytes, boolean paretoOptimal) {
    }

    /** The writer of results.json: the naming and number conventions above, and nothing hand-built. */
    static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
            .registerModule(new SimpleModule().addSerializer(Double.class, new NonFinite()).addSerializer(double.class, new NonFinite()));

    /** NaN and infinities, which JSON cannot carry, are written as null. */
    private static final class NonFinite extends StdSerializer<Double> {
        NonFinite() {
            super(Double.class);
        }

        @Override
        public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
            if (Double.isFinite(value)) {
                out.writeNumber(value);
            } else {
                out.writeNull();
            }
        }
    }

    private static void json(BenchmarkRun.Outcome o, Summary s, Path dir, String command, TrainingReport.Section training)
            throws IOException {
        Map<String, Bound> bounds = new LinkedHashMap<>();
        s.ks().forEach((model, k) -> bounds.put(model, new Bound(k, s.boundOf(model), s.couplingCosts().getOrDefault(model, Double.NaN),
                s.couplingBoundOf(model))));
        List<RatioRow> ratios = s.rows().stream().map(r -> new RatioRow(r.model(), r.mode(), r.timeRatio(), r.timeRatioLow(),
                r.timeRatioHigh(), s.boundOf(r.model()), r.memoryRatio(), r.estimateRatio())).toList();
        FrontJson front = o.front() == null ? null : new FrontJson(o.front().options().model(), o.front().options().batch(),
                o.front().options().rounds(), o.front().candidates().stream().map(c -> new PlanJson(c.plan().label(), c.stepMs(), c.peakBytes(),
                        c.paretoOptimal())).toList());
        Object trained = training == null ? null : training.outcome() == null ? Map.of("skipped", training.skippedBecause())
                : TrainingReport.json(training.outcome());
        ArithmeticJson arithmetic = o.arithmetic() == null ? null : new ArithmeticJson(o.arithmetic().peak(),
                o.arithmetic().peak().gflopsFor(o.arithmetic().precision()), o.arithmetic().rows(o.runs()));
        JSON.writeValue(dir.resolve("results.json").toFile(), new ResultsJson(command, o.sweep().name(), o.sweep().precision().label(), o.seconds(), environment(), o.runs(),
                o.drift(), new SummaryJson(bounds, ratios), front, arithmetic, trained));
    }

    private static void csv(BenchmarkRun.Outcome o, Path dir) throws IOException {
        StringBuilder sb = new StringBuilder("model,mode,batch,dtype,blocks,step_ms_median,step_ms_min,step_ms_max,samples,forward_ms,"
                + "backward_ms,peak_activation_bytes,estimated_activation_bytes,params\n");
        for (Result r : o.runs()) {
            sb.append(String.join(",", r.model(), r.mode().label(), String.valueOf(r.batch()), r.dtype().label(), String.valueOf(r.blocks()),
                    String.valueOf(r.stepMs().median()), String.valueOf(r.stepMs().min()), String.valueOf(r.stepMs().max()),
                    String.valueOf(r.stepMs().samples()), blank(r.forwardMs()), blank(r.backwardMs()), blank(r.peakActivationBytes()),
                    blank(r.estimatedActivationBytes()), blank(r.params()))).append('\n');
        }
        Files.writeString(dir.resolve("results.csv"), sb.toString());
    }

    private static String blank(Object o) {
        return o == null ? "" : o.toString();
    }

    static String markdown(BenchmarkRun.Outcome o, Summary s, String command, java.util.Set<String> charts) {
        StringBuilder md = new StringBuilder("# revnet-harness benchmark report\n\n");
        Map<String, Object> env = environment();
        md.append("Command: `").append(command).append("` (sweep `").append(o.sweep().name()).append("`, ")
                .append(o.sweep().precision() == io.github.revnet.core.Precision.FP32 ? "" : "precision " + o.sweep().precision().label() + ", ")
                .append(String.format("%.0f s", o.seconds())).append(")\n\n");
        md.append("Environment: LibTorch ").append(env.get("libtorch")).append(", JavaCPP ").append(env.get("javacpp")).append(", ")
                .append(env.get("threads")).append(" threads, ").append(env.get("cpu")).append(", device ").append(env.get("device"))
                .append(", Java ").append(env.get("java")).append(". ").append(env.get("cuda")).append("\n\n");
        RoundBudget budget = o.sweep().rounds();
        md.append(String.format("Times are JMH single-shot samples of one step, or for a configuration whose stored step is shorter"
                + " than %.0f ms the mean of as many steps as make it that long (column \"steps\"). The modes of a model are interleaved:"
                + " each round times every mode once, back to back, in an order rotated from round to round. Rounds are budgeted by"
                + " cost: every configuration gets %d warm-up and %d rounds of all modes; what is left of the %.0f s timing"
                + " allowance goes to rounds of stored mode and the undecided modes, a ratio being undecided while its interval is"
                + " wider than ±%.0f%% (±%.0f%% for reversible mode of %s): the headline first, then the configuration cheapest to"
                + " decide, up to %d rounds. \"time / stored\" is the median of the per-round"
                + " ratios with a 95%% distribution-free interval from order statistics (the j-th smallest to the j-th largest ratio,"
                + " j from the binomial(n, 1/2) distribution). Rounds whose ratio is below %.1f (a recomputing mode does all of the"
                + " stored step's work and more) or farther than %.0f scaled median absolute deviations from the median are set"
                + " aside as measurement glitches (column \"set aside\"; results.json keeps every round). A row is decided when its"
                + " interval is within its target. k = backward / forward (forward includes the loss) is each model's own, from its"
                + " stored steps' phases, and (2 + k)/(1 + k) the FLOP-style bound on its reversible overhead; c is reversible mode's"
                + " reconstruction phase (the coupling's inverse, re-combination and gradient) over stored mode's forward, and"
                + " (2 + k + c)/(1 + k) the bound with the coupling's own arithmetic. Memory is the measured peak"
                + " of malloc'd bytes during forward and backward minus what was live before (parameters, allocated gradients, input),"
                + " each configuration's modes in turn in a probe process of its own with the malloc counter preloaded.%n%n",
                budget.minSampleMillis(), budget.warmupRounds(), budget.firstRounds(), budget.timingSeconds(), 100 * budget.targetHalfWidth(),
                100 * budget.headlineHalfWidth(), budget.headline().isEmpty() ? "no model" : String.join(", ", budget.headline()),
                budget.maxRounds(), RoundScreen.FLOOR, RoundScreen.OUTLIER_MADS));
        md.append("**").append(o.decided()).append(".**\n\n");
        md.append("| model | mode | batch | blocks | step ms (median) | min | max | rounds | steps | set aside | time / stored | 95% interval"
                + " | decided | bound (2+k)/(1+k) | with coupling (2+k+c)/(1+k) | peak activation MiB | estimate MiB | stored / this"
                + " | measured / estimate |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : o.runs()) {
            Summary.Row row = s.row(r);
            String interval = Double.isFinite(row.timeRatioLow()) ? String.format("%.3f–%.3f (±%.1f%%)", row.timeRatioLow(),
                    row.timeRatioHigh(), 100 * r.paired().ratio().relativeHalfWidth()) : "";
            String bound = r.mode() == Mode.REVERSIBLE && Double.isFinite(s.boundOf(r.model())) ? String.format("%.3f",
                    s.boundOf(r.model())) : "";
            String withCoupling = r.mode() == Mode.REVERSIBLE && Double.isFinite(s.couplingBoundOf(r.model())) ? String.format("%.3f",
                    s.couplingBoundOf(r.model())) : "";
            String setAside = r.paired() == null ? "" : String.valueOf(r.paired().excluded().size());
            String verdict = r.paired() == null ? "" : r.paired().decided() ? "yes" : "no";
            md.append(String.format("| %s | %s | %d | %d | %.1f | %.1f | %.1f | %d | %d | %s | %.3f | %s | %s | %s | %s | %.1f | %.1f | %.1f"
                    + " | %.2f |%n", r.model(), r.mode(), r.batch(), r.blocks(), r.stepMs().median(), r.stepMs().min(), r.stepMs().max(),
                    r.stepMs().samples(), r.stepMs().stepsPerSample(), setAside, row.timeRatio(), interval, verdict, bound, withCoupling,
                    mib(r.peakActivationBytes()),
                    mib(r.estimatedActivationBytes()), 1 / row.memoryRatio(), row.estimateRatio()));
        }
        md.append(phaseTable(o.runs()));
        if (o.arithmetic() != null) {
            md.append(arithmeticTable(o.arithmetic(), o.runs()));
        }
        md.append("\n## Drift\n\nReversible against stored under the same number format; the last column is stored mode's angle to a"
                + " float64 twin's gradient: what the format itself costs. bf16: F and G in bfloat16, streams in float32;"
                + " bf16-pure: streams in bfloat16 too.\n\n| blocks | format | inverse max abs error | max relative gradient error |"
                + " gradient angle (degrees) | stored angle to float64 (degrees) |\n|---|---|---|---|---|---|\n");
        for (Drift d : o.drift()) {
            md.append(String.format("| %d | %s | %.2e | %.2e | %.2e | %s |%n", d.blocks(), d.format().label(), d.inverseMaxAbsError(),
                    d.maxRelativeGradError(), d.gradAngleDegrees(), Double.isNaN(d.storedAngleToFloat64Degrees()) ? "-"
                            : String.format("%.2e", d.storedAngleToFloat64Degrees())));
        }
        md.append("\n## Charts\n\n");
        for (Map.Entry<String, String> chart : new java.util.TreeMap<>(Charts.titles()).entrySet()) {
            if (!charts.contains(chart.getKey())) {
                continue; // a sweep without that family's runs
            }
            md.append("### ").append(chart.getValue()).append("\n\n![").append(chart.getValue()).append("](").append(chart.getKey())
                    .append(")\n\n");
        }
        return md.toString();
    }

    /** Model FLOPs per step, the rate a step reaches and its fraction of the machine's limit measured in the same run. */
    static String arithmeticTable(Arithmetic a, List<Result> runs) {
        PeakFlops peak = a.peak();
        StringBuilder md = new StringBuilder(String.format("%n## Distance to the limit%n%nThe machine's limit, measured in this run: the"
                + " best rate of LibTorch's densest kernels (a %dx%d matrix product, a 3x3 convolution of %d channels over %d images of"
                + " %dx%d) on %d threads, %.1f GFLOP/s in float32%s. A step's model FLOPs are three times"
                + " its forward's convolutions and matrix products (2 per multiply-add, counted from the shapes that flow): the forward,"
                + " then an input and a weight gradient per product. Recomputation is not counted, so a recomputing mode's rate is its"
                + " useful rate. Rows are held to the %s limit, %.1f GFLOP/s.%n%n| model | mode | batch | GFLOP per step | GFLOP/s |"
                + " fraction of peak |%n|---|---|---|---|---|---|%n", PeakFlops.SIZE, PeakFlops.SIZE, PeakFlops.CONV_CHANNELS,
                PeakFlops.CONV_BATCH, PeakFlops.CONV_SIDE, PeakFlops.CONV_SIDE, peak.threads(), peak.float32(),
                peak.bfloat16() == null ? " (no bfloat16 units on this CPU)" : String.format(", %.1f GFLOP/s in bfloat16", peak.bfloat16()),
                peak.formatFor(a.precision()), peak.gflopsFor(a.precision())));
        for (Arithmetic.Row row : a.rows(runs)) {
            md.append(String.format("| %s | %s | %d | %.3f | %.1f | %.1f%% |%n", row.model(), row.mode(), row.batch(), row.gflopPerStep(),
                    row.gflopPerSecond(), 100 * row.fractionOfPeak()));
        }
        return md.toString();
    }

    /** The phase breakdown of the models {@link Charts#PHASES} draws: medians in ms, and their sum against the median step. */
    static String phaseTable(List<Result> runs) {
        List<Result> rows = runs.stream().filter(r -> Charts.PHASE_MODELS.contains(r.model()) && r.phasesMs() != null).toList();
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Where the time goes\n\nMedian milliseconds per phase of a step (`PhaseClock`, exclusive"
                + " accounting: time inside a nested phase is charged to it alone). Medians of parts need not add up to the median of"
                + " the whole; the last column says how close they come.\n\n| model | mode |");
        for (Phase p : Phase.values()) {
            md.append(' ').append(p.label()).append(" |");
        }
        md.append(" sum | step (median) | sum / step |\n|---|---|").append("---|".repeat(Phase.values().length + 3)).append('\n');
        for (Result r : rows) {
            md.append("| ").append(r.model()).append(" | ").append(r.mode()).append(" |");
            double sum = 0;
            for (Phase p : Phase.values()) {
                double v = r.phasesMs().get(p.label());
                sum += v;
                md.append(String.format(" %.1f |", v));
            }
            md.append(String.format(" %.1f | %.1f | %.3f |%n", sum, r.stepMs().median(), sum / r.stepMs().median()));
        }
        return md.toString();
    }

    private static double mib(Long bytes) {
        return bytes == null ? Double.NaN : bytes / 1048576.0;
    }

    /** A minimal rendering of the Markdown report (headings, paragraphs, tables, images) as HTML. */
    private static final List<org.commonmark.Extension> MARKDOWN_EXTENSIONS = List.of(TablesExtension.create());

    /** The Markdown report as a standalone HTML page, rendered by commonmark (GitHub-flavoured tables). */
    static String html(String markdown) {
        Node document = Parser.builder().extensions(MARKDOWN_EXTENSIONS).build().parse(markdown);
        String body = HtmlRenderer.builder().extensions(MARKDOWN_EXTENSIONS).build().render(document);
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>revnet-harness report</title>"
                + "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:800px}</style></head><body>\n" + body
                + "</body></html>\n";
    }
}
