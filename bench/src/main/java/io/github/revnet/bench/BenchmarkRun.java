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
import io.github.revnet.core.profile.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
    public record Outcome(Sweep sweep, List<Result> runs, List<Drift> drift, MemoryPlanner.Front front, double seconds) {
    }

    public Outcome run() throws IOException, RunnerException, InterruptedException {
        long start = System.nanoTime();
        Files.createDirectories(out);
        ArrayNode jmhJson = new ObjectMapper().createArrayNode();
        List<Result> runs = new ArrayList<>();
        int steps = sweep.configs().size() + 2 + (sweep.front() == null ? 0 : 1);
        int step = 0;
        for (Sweep.Config c : sweep.configs()) {
            progress.accept(String.format("[%d/%d] timing %s, batch %d, modes %s interleaved round by round", ++step, steps, c.model(),
                    c.batch(), c.modes()));
            runs.addAll(time(c, jmhJson));
        }
        Files.writeString(out.resolve("jmh.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(jmhJson));
        progress.accept(String.format("[%d/%d] memory: each configuration's modes in a process of its own (malloc counter preloaded)", ++step,
                steps));
        measureMemory(runs);
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
        return new Outcome(sweep, runs, drift, front, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Times every mode of {@code c} in interleaved rounds ({@link PairedStepBenchmark}), one JMH
     * fork of {@link Sweep#rounds()} rounds; for a model in {@link Sweep#precise()}, adds forks of
     * {@link Sweep#extraRounds()} rounds that time stored and reversible mode alone while the
     * reversible ratio's interval is wider than {@link Sweep#targetHalfWidth()} and
     * {@link Sweep#maxRoundsFor} allows more rounds.
     */
    private List<Result> time(Sweep.Config c, ArrayNode jmhJson) throws RunnerException, IOException {
        List<Mode> ran = new ArrayList<>();
        List<JsonNode> phases = new ArrayList<>();
        List<Mode> narrowed = List.of(Mode.STORED, Mode.REVERSIBLE);
        boolean narrow = sweep.precise().contains(c.model()) && c.modes().containsAll(narrowed);
        RoundTimes rounds = null;
        do {
            List<Mode> modes = rounds == null ? c.modes() : narrowed;
            int count = rounds == null ? sweep.rounds() : sweep.extraRounds();
            List<Double> millis = new ArrayList<>();
            List<Mode> forkRan = new ArrayList<>();
            Path json = Files.createTempFile("jmh", ".json");
            Path phaseLines = Files.createTempFile("phases", ".jsonl");
            var options = new OptionsBuilder().include(PairedStepBenchmark.class.getName() + ".step").param("model", c.model())
                    .param("modes", modes.stream().map(Mode::label).collect(java.util.stream.Collectors.joining(","))).param("batch", String.valueOf(c.batch())).param("dtype", c.dtype().label())
                    .param("imageSize", String.valueOf(c.imageSize())).param("threads", String.valueOf(threads))
                    .param("phasesFile", phaseLines.toString()).warmupIterations(sweep.warmupRounds() * modes.size())
                    .measurementIterations(count * modes.size()).forks(1).jvmArgsAppend(Probes.childFlags()).shouldDoGC(false)
                    .output(out.resolve("jmh.log").toString()).resultFormat(ResultFormatType.JSON).result(json.toString()).build();
            for (RunResult r : new Runner(options).run()) {
                for (BenchmarkResult fork : r.getBenchmarkResults()) {
                    for (IterationResult iteration : fork.getIterationResults()) {
                        millis.add(iteration.getPrimaryResult().getScore());
                    }
                }
            }
            for (String line : Files.readAllLines(phaseLines)) {
                JsonNode node = JSON.readTree(line);
                phases.add(node);
                forkRan.add(Mode.parse(node.get("mode").asText()));
            }
            if (forkRan.size() != millis.size()) {
                throw new IllegalStateException("JMH reported " + millis.size() + " iterations of " + c.model() + " but its state recorded "
                        + forkRan.size() + " phase lines");
            }
            ran.addAll(forkRan);
            jmhJson.addAll((ArrayNode) JSON.readTree(json.toFile()));
            Files.deleteIfExists(json);
            Files.deleteIfExists(phaseLines);
            RoundTimes fork = RoundTimes.of(modes, forkRan, millis);
            rounds = rounds == null ? fork : rounds.plus(fork);
            progress.accept("    " + rounds.describe());
        } while (narrow && rounds.halfWidth(Mode.REVERSIBLE) > sweep.targetHalfWidth()
                && rounds.rounds(Mode.REVERSIBLE) + sweep.extraRounds() <= sweep.maxRoundsFor(c.model()));
        List<Result> results = new ArrayList<>();
        for (Mode mode : c.modes()) {
            double[] times = rounds.times(mode);
            MedianInterval step = MedianInterval.of(times, 0.95);
            Map<String, Double> phaseMedians = new LinkedHashMap<>();
            List<JsonNode> mine = new ArrayList<>();
            for (int i = 0; i < ran.size(); i++) {
                if (ran.get(i) == mode) {
                    mine.add(phases.get(i));
                }
            }
            for (Phase p : Phase.values()) {
                phaseMedians.put(p.label(), MedianInterval.median(mine.stream().mapToDouble(n -> n.get("phases_ms").get(p.label()).asDouble()).toArray()));
            }
            Double forward = null;
            Double backward = null;
            if (mode == Mode.STORED) {
                forward = MedianInterval.median(mine.stream().mapToDouble(n -> n.get("phases_ms").get(Phase.FORWARD_GRAPH.label()).asDouble()
                        + n.get("phases_ms").get(Phase.LOSS.label()).asDouble()).toArray());
                backward = phaseMedians.get(Phase.BACKWARD.label());
            }
            Result.Paired paired = mode == Mode.STORED || !c.modes().contains(Mode.STORED) ? null
                    : new Result.Paired(rounds.ratios(mode), MedianInterval.of(rounds.ratios(mode), 0.95));
            results.add(new Result(c.model(), mode, c.batch(), c.dtype(), c.blocks(),
                    new Result.Timing(step.median(), Arrays.stream(times).min().orElse(Double.NaN), Arrays.stream(times).max()
                            .orElse(Double.NaN), times.length), paired, phaseMedians, forward, backward, null, null, null));
        }
        return results;
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
            List<JsonNode> readings = Probes.memory(c.model(), c.batch(), c.dtype(), c.imageSize(), threads, modes);
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
            for (DType dtype : DType.values()) {
                try (Model model = Model.create("stack-" + blocks, ModelOptions.defaults().dtype(dtype).seed(blocks));
                        NativeScope scope = NativeScope.open()) {
                    Torch.seed(blocks + 1);
                    var r = GradientCheck.run(model, model.randomInput(sweep.driftBatch(), sweep.driftImageSize()),
                            model.randomLabels(sweep.driftBatch()));
                    drift.add(new Drift(blocks, dtype, r.inverseMaxAbsError(), r.maxRelativeGradError(), r.gradAngleDegrees()));
                }
            }
        }
        return drift;
    }
}
