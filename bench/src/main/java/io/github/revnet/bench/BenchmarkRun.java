package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs a {@link Sweep}: JMH timings (all modes of a model interleaved round by round), memory
 * peaks (each configuration in a process of its own, started with the malloc counter), and drift.
 */
public final class BenchmarkRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Sweep sweep;
    private final Path out;
    private final int threads;
    private final Consumer<String> progress;

    public BenchmarkRun(Sweep sweep, Path out, int threads, Consumer<String> progress) {
        this.sweep = sweep;
        this.out = out;
        this.threads = threads;
        this.progress = progress;
    }

    /** Everything a report needs. */
    public record Outcome(Sweep sweep, List<Result> runs, List<Drift> drift, MemoryPlanner.Front front, Arithmetic arithmetic,
            double seconds) {
        /** "N of M rows decided", and the undecided rows with their half-widths. */
        public String decided() {
            List<Result> paired = runs.stream().filter(r -> r.paired() != null).toList();
            List<String> open = paired.stream().filter(r -> !r.paired().decided()).map(r -> String.format("%s %s ±%.1f%%", r.model(),
                    r.mode(), 100 * r.paired().ratio().relativeHalfWidth())).toList();
            return String.format("%d of %d rows decided", paired.size() - open.size(), paired.size()) + (open.isEmpty() ? ""
                    : "; undecided: " + String.join(", ", open));
        }
    }

    public Outcome run() throws IOException, RunnerException, InterruptedException {
        long start = System.nanoTime();
        Files.createDirectories(out);
        ArrayNode jmhJson = new ObjectMapper().createArrayNode();
        List<Result> runs = new ArrayList<>();
        int steps = sweep.configs().size() + 4 + (sweep.front() == null ? 0 : 1);
        int step = 0;
        RoundBudget budget = sweep.rounds();
        List<ConfigTiming> timings = new ArrayList<>();
        for (Sweep.Config c : sweep.configs()) {
            progress.accept(String.format("[%d/%d] timing %s, batch %d, modes %s interleaved round by round", ++step, steps, c.model(),
                    c.batch(), c.modes()));
            Fork first = fork(c, c.modes(), budget.firstRounds(), 1, jmhJson);
            progress.accept("    " + first.rounds().describe());
            timings.add(new ConfigTiming(c, budget, first));
        }
        double left = budget.timingSeconds() - (System.nanoTime() - start) / 1e9;
        progress.accept(String.format("[%d/%d] narrowing the undecided intervals: %.0f s of the %.0f s timing allowance left, the headline"
                + " first, then the cheapest to decide", ++step, steps, Math.max(0, left), budget.timingSeconds()));
        while (true) {
            double secondsLeft = budget.timingSeconds() - (System.nanoTime() - start) / 1e9;
            List<ConfigTiming.Proposal> proposals = new ArrayList<>();
            for (ConfigTiming t : timings) {
                t.next(secondsLeft).ifPresent(proposals::add);
            }
            var chosen = ConfigTiming.mostUrgent(proposals);
            if (chosen.isEmpty()) {
                break;
            }
            ConfigTiming.Proposal p = chosen.get();
            ConfigTiming t = p.timing();
            t.add(fork(t.config(), p.modes(), p.rounds(), t.stepsPerSample(), jmhJson));
            progress.accept(String.format("    %s: %s%s", t.config().model(), t.rounds().describe(), t.stepsPerSample() > 1 ? " ("
                    + t.stepsPerSample() + " steps per sample)" : ""));
        }
        for (ConfigTiming t : timings) {
            runs.addAll(t.results());
        }
        Files.writeString(out.resolve("jmh.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(jmhJson));
        progress.accept(String.format("[%d/%d] memory: each configuration's modes in a process of its own (malloc counter preloaded)", ++step,
                steps));
        measureMemory(runs);
        progress.accept(String.format("[%d/%d] FLOPs: each configuration's forward counted, the machine's peak measured (matrix products"
                + " and convolutions)", ++step, steps));
        Arithmetic arithmetic = new Arithmetic(PeakFlops.measure(threads > 0 ? threads : Runtime.getRuntime().availableProcessors()),
                sweep.precision(), Arithmetic.count(sweep.configs()));
        progress.accept(String.format("    peak %.1f GFLOP/s float32%s", arithmetic.peak().float32(), arithmetic.peak().bfloat16() == null
                ? " (no bfloat16 units)" : String.format(", %.1f GFLOP/s bfloat16", arithmetic.peak().bfloat16())));
        progress.accept(String.format("[%d/%d] drift: reconstruction error and gradient angle against depth", ++step, steps));
        List<Drift> drift = drift();
        MemoryPlanner.Front front = null;
        if (sweep.front() != null) {
            Sweep.Front f = sweep.front();
            progress.accept(String.format("[%d/%d] Pareto front: every per-stack plan of %s at batch %d", ++step, steps, f.model(), f.batch()));
            // No budget: the front is the question, not a choice on it.
            var options = new MemoryPlanner.Options(f.model(), f.batch(), f.imageSize(), DType.FLOAT32, Long.MAX_VALUE, f.rounds(), threads);
            front = new MemoryPlanner.Front(options, MemoryPlanner.measure(options, line -> progress.accept("    " + line)));
        }
        return new Outcome(sweep, runs, drift, front, arithmetic, (System.nanoTime() - start) / 1e9);
    }

    /** Runs one JMH fork of {@code count} interleaved rounds of {@code modes}, {@code steps} steps per sample, after the warm-up rounds. */
    private Fork fork(Sweep.Config c, List<Mode> modes, int count, int steps, ArrayNode jmhJson) throws RunnerException, IOException {
        long start = System.nanoTime();
        List<Double> millis = new ArrayList<>();
        List<Mode> ran = new ArrayList<>();
        List<JsonNode> phases = new ArrayList<>();
        Path json = Files.createTempFile("jmh", ".json");
        Path phaseLines = Files.createTempFile("phases", ".jsonl");
        int warmup = sweep.rounds().warmupRounds();
        var options = new OptionsBuilder().include(PairedStepBenchmark.class.getName() + ".step").param("model", c.model())
                .param("modes", modes.stream().map(Mode::label).collect(java.util.stream.Collectors.joining(",")))
                .param("batch", String.valueOf(c.batch())).param("dtype", c.dtype().label()).param("precision", sweep.precision().label()).param("imageSize", String.valueOf(c.imageSize()))
                .param("dropPath", String.valueOf(sweep.dropPath()))
                .param("threads", String.valueOf(threads)).param("phasesFile", phaseLines.toString())
                .param("stepsPerSample", String.valueOf(steps)).warmupIterations(warmup * modes.size())
                .measurementIterations(count * modes.size()).forks(1).jvmArgsAppend(Probes.childFlags()).shouldDoGC(false)
                .output(out.resolve("jmh.log").toString()).resultFormat(ResultFormatType.JSON).result(json.toString()).build();
        double sampled = 0;
        for (RunResult r : new Runner(options).run()) {
            for (BenchmarkResult result : r.getBenchmarkResults()) {
                for (IterationResult iteration : result.getIterationResults()) {
                    double sample = iteration.getPrimaryResult().getScore();
                    sampled += sample / 1e3;
                    millis.add(sample / steps);
                }
            }
        }
        for (String line : Files.readAllLines(phaseLines)) {
            JsonNode node = JSON.readTree(line);
            phases.add(node);
            ran.add(Mode.parse(node.get("mode").asText()));
        }
        if (ran.size() != millis.size()) {
            throw new IllegalStateException("JMH reported " + millis.size() + " iterations of " + c.model() + " but its state recorded "
                    + ran.size() + " phase lines");
        }
        jmhJson.addAll((ArrayNode) JSON.readTree(json.toFile()));
        Files.deleteIfExists(json);
        Files.deleteIfExists(phaseLines);
        // The warm-up rounds cost about what as many measured ones did.
        double sampledWithWarmup = sampled * (count + warmup) / count;
        return new Fork(RoundTimes.of(modes, ran, millis), ran, phases, (System.nanoTime() - start) / 1e9, sampledWithWarmup);
    }

    /**
     * Fills in every run's measured peak, estimate and parameter count: one probe process per
     * configuration, measuring its modes in turn, one probe at a time (probes run LibTorch on every
     * core: two side by side took twice as long as one after the other).
     */
    private void measureMemory(List<Result> runs) throws IOException, InterruptedException {
        Map<Sweep.Config, List<Integer>> byConfig = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            Result r = runs.get(i);
            Sweep.Config c = sweep.configs().stream().filter(x -> x.model().equals(r.model()) && x.batch() == r.batch()).findFirst()
                    .orElseThrow();
            byConfig.computeIfAbsent(c, k -> new ArrayList<>()).add(i);
        }
        int done = 0;
        for (Map.Entry<Sweep.Config, List<Integer>> e : byConfig.entrySet()) {
            Sweep.Config c = e.getKey();
            long start = System.nanoTime();
            List<String> modes = e.getValue().stream().map(i -> runs.get(i).mode().label()).toList();
            List<JsonNode> readings = Probes.memory(c.model(), c.batch(), c.dtype(), sweep.precision(), sweep.dropPath(), c.imageSize(), threads, modes);
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < modes.size(); k++) {
                JsonNode m = readings.get(k);
                int i = e.getValue().get(k);
                runs.set(i, runs.get(i).withMemory(m.get("peak_activation_bytes").asLong(), m.get("estimated_activation_bytes").asLong(),
                        m.get("params").asLong()));
                line.append(String.format("%s%s %.1f MiB", k == 0 ? "" : ", ", modes.get(k), m.get("peak_activation_bytes").asLong() / 1048576.0));
            }
            done += modes.size();
            progress.accept(String.format("    %d/%d %s: %s (%.0f s)", done, runs.size(), c.model(), line, (System.nanoTime() - start) / 1e9));
        }
    }

    private List<Drift> drift() {
        List<Drift> drift = new ArrayList<>();
        for (int blocks : sweep.driftDepths()) {
            for (Drift.Format format : Drift.FORMATS) {
                try (Model model = Model.create("stack-" + blocks, ModelOptions.defaults().dtype(format.dtype()).precision(format.precision())
                        .seed(blocks)); NativeScope scope = NativeScope.open()) {
                    Torch.seed(blocks + 1);
                    var r = GradientCheck.run(model, model.randomInput(sweep.driftBatch(), sweep.driftImageSize()),
                            model.randomLabels(sweep.driftBatch()), message -> { }, true);
                    drift.add(new Drift(blocks, format.dtype(), format.precision(), r.inverseMaxAbsError(), r.maxRelativeGradError(),
                            r.gradAngleDegrees(), r.storedAngleToFloat64Degrees()));
                }
            }
        }
        return drift;
    }
}
