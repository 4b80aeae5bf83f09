package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.ModelSpec;
import io.github.revnet.core.DType;
import io.github.revnet.core.GradientCheck;
import io.github.revnet.core.Model;
import io.github.revnet.core.ModelOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs a {@link Sweep}: JMH timings (all modes of a model side by side in one JMH run), memory
 * peaks (each in its own process, with the allocator settings the meter needs), and drift.
 */
public final class BenchmarkRun {
    static final String[] NATIVE_FLAGS = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"};

    /** The flags every child JVM gets: the native ones, and the system properties that define {@code scripted-dN} models. */
    static String[] childFlags() {
        List<String> flags = new ArrayList<>(List.of(NATIVE_FLAGS));
        for (String key : List.of(ModelSpec.SCRIPTED_F, ModelSpec.SCRIPTED_G, ModelSpec.SCRIPTED_CHANNELS)) {
            if (System.getProperty(key) != null) {
                flags.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        return flags.toArray(String[]::new);
    }

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
    public record Outcome(Sweep sweep, List<Result> runs, List<Drift> drift, double seconds) {
    }

    public Outcome run() throws IOException, RunnerException, InterruptedException {
        long start = System.nanoTime();
        Files.createDirectories(out);
        ArrayNode jmhJson = new ObjectMapper().createArrayNode();
        List<Result> runs = new ArrayList<>();
        int steps = sweep.configs().size() * 2 + sweep.passConfigs().size() + 1;
        int step = 0;
        for (Sweep.Config c : sweep.configs()) {
            progress.accept(String.format("[%d/%d] timing %s, batch %d, modes %s", ++step, steps, c.model(), c.batch(), c.modes()));
            runs.addAll(time(c, jmhJson));
        }
        for (Sweep.Config pass : sweep.passConfigs()) {
            progress.accept(String.format("[%d/%d] timing forward and backward alone, %s stored", ++step, steps, pass.model()));
            double[] passes = passes(pass, jmhJson);
            for (int i = 0; i < runs.size(); i++) {
                Result r = runs.get(i);
                if (r.model().equals(pass.model()) && r.mode().equals("stored") && r.batch() == pass.batch()) {
                    runs.set(i, r.withPasses(passes[0], passes[1]));
                }
            }
        }
        Files.writeString(out.resolve("jmh.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(jmhJson));
        for (Sweep.Config c : sweep.configs()) {
            progress.accept(String.format("[%d/%d] memory %s, batch %d, modes %s (separate processes)", ++step, steps, c.model(), c.batch(),
                    c.modes()));
            for (int i = 0; i < runs.size(); i++) {
                Result r = runs.get(i);
                if (r.model().equals(c.model()) && r.batch() == c.batch()) {
                    JsonNode m = measureMemory(c, r.mode());
                    runs.set(i, r.withMemory(m.get("peak_activation_bytes").asLong(), m.get("estimated_activation_bytes").asLong(),
                            m.get("params").asLong()));
                }
            }
        }
        progress.accept(String.format("[%d/%d] drift: reconstruction error and gradient angle against depth", ++step, steps));
        List<Drift> drift = drift();
        return new Outcome(sweep, runs, drift, (System.nanoTime() - start) / 1e9);
    }

    private ChainedOptionsBuilder jmh(String include, Sweep.Config c, Path log) {
        return new OptionsBuilder().include(include).param("model", c.model()).param("batch", String.valueOf(c.batch()))
                .param("dtype", c.dtype()).param("imageSize", String.valueOf(c.imageSize())).param("threads", String.valueOf(threads))
                .warmupIterations(sweep.warmups()).measurementIterations(sweep.samples()).forks(1).jvmArgsAppend(childFlags())
                .shouldDoGC(false).output(log.toString()).resultFormat(ResultFormatType.JSON);
    }

    private List<Result> time(Sweep.Config c, ArrayNode jmhJson) throws RunnerException, IOException {
        Path json = Files.createTempFile("jmh", ".json");
        var options = jmh(TrainingStepBenchmark.class.getName() + ".step", c, out.resolve("jmh.log"))
                .param("mode", c.modes().toArray(String[]::new)).result(json.toString()).build();
        List<Result> results = new ArrayList<>();
        for (RunResult r : new Runner(options).run()) {
            Statistics s = r.getPrimaryResult().getStatistics();
            results.add(new Result(c.model(), r.getParams().getParam("mode"), c.batch(), c.dtype(), c.blocks(),
                    new Result.Timing(s.getPercentile(50), s.getMin(), s.getMax(), s.getN()), null, null, null, null, null));
        }
        jmhJson.addAll((ArrayNode) new ObjectMapper().readTree(json.toFile()));
        Files.deleteIfExists(json);
        results.sort((a, b) -> Integer.compare(c.modes().indexOf(a.mode()), c.modes().indexOf(b.mode())));
        return results;
    }

    private double[] passes(Sweep.Config c, ArrayNode jmhJson) throws RunnerException, IOException {
        Path json = Files.createTempFile("jmh", ".json");
        var options = jmh(PassBenchmark.class.getName() + ".*", c, out.resolve("jmh-passes-" + c.model() + ".log")).param("mode", "stored")
                .result(json.toString()).build();
        double forward = Double.NaN;
        double backward = Double.NaN;
        for (RunResult r : new Runner(options).run()) {
            double median = r.getPrimaryResult().getStatistics().getPercentile(50);
            if (r.getParams().getBenchmark().endsWith("forward")) {
                forward = median;
            } else {
                backward = median;
            }
        }
        jmhJson.addAll((ArrayNode) new ObjectMapper().readTree(json.toFile()));
        Files.deleteIfExists(json);
        return new double[] {forward, backward};
    }

    private JsonNode measureMemory(Sweep.Config c, String mode) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
        command.addAll(List.of(childFlags()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName(), c.model(), mode,
                String.valueOf(c.batch()), c.dtype(), String.valueOf(c.imageSize()), String.valueOf(threads)));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(MemoryMeter.MMAP_THRESHOLD_VARIABLE, "65536");
        pb.environment().put("MALLOC_TRIM_THRESHOLD_", "0");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("memory probe for " + c.model() + " " + mode + " failed:\n" + output);
        }
        String[] lines = output.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
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
                    drift.add(new Drift(blocks, dtype.label(), r.inverseMaxAbsError(), r.maxRelativeGradError(), r.gradAngleDegrees()));
                }
            }
        }
        return drift;
    }
}
