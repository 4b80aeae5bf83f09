package io.github.revnet.cli;

import io.github.revnet.bench.BenchmarkRun;
import io.github.revnet.bench.ReportWriter;
import io.github.revnet.bench.Sweep;
import io.github.revnet.bench.TrainingReport;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.ScriptedBlock;
import io.github.revnet.core.reversible.Coupling;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the benchmark sweep and writes the report files. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time a training step in stored, reversible and checkpoint mode (JMH, side by side), measure peak activation "
            + "memory in separate processes, measure reconstruction drift, and write results.json, results.csv, jmh.json, "
            + "report.md, report.html and PNG charts.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "the smoke sweep (about 3 minutes on 2 cores) instead of the standard one")
    boolean quick;

    @Option(names = "--transformers", description = "only the RevViT family: depth 2-64 at 64 tokens, 16-1024 tokens at depth 4, affine"
            + " beside additive")
    boolean transformers;

    @Option(names = "--out", defaultValue = "report", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--f", description = "your own block's F, a TorchScript file: the depth sweep (2-64 blocks) of it instead; needs --g, --shape")
    Path f;

    @Option(names = "--g", description = "your own block's G, a TorchScript file")
    Path g;

    @Option(names = "--shape", description = "with --f/--g: N,C,H,W with H = W, the batch and image the sweep measures (C: the block's channels)")
    String shape;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.Precisions.class,
            completionCandidates = Converters.Precisions.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}): the policy every configuration is timed and measured under; "
            + "models without reversible stacks and models the policy refuses are left out, each named")
    Precision precision;

    @Option(names = "--drop-path", defaultValue = "0", description = "with --transformers: time and measure the RevViTs under drop-path "
            + "P in [0, 1) (default ${DEFAULT-VALUE}); the other rows take none and are left out")
    double dropPath;

    @Option(names = "--distributed", description = "data-parallel scaling instead of the sweep: one process with every core against "
            + "--nproc processes (cores / N threads each, at least one) at one global batch, per mode, as train runs on Fashion-MNIST in alternating pairs")
    boolean distributed;

    @Option(names = "--model", defaultValue = "revnet-38", description = "with --distributed: the model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", defaultValue = "64", description = "with --distributed: the global batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "12", description = "with --distributed: steps per job, the first 2 warm-up (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--pairs", defaultValue = "3", description = "with --distributed: rounds of jobs per mode, one job per layout, "
            + "each round starting with another layout (default ${DEFAULT-VALUE})")
    int pairs;

    @Option(names = "--nproc", defaultValue = "2", description = "with --distributed: processes of the data-parallel layout (default ${DEFAULT-VALUE})")
    int nproc;

    @Option(names = "--modes", split = ",", converter = Converters.Modes.class,
            description = "with --distributed: the modes to time (default stored,reversible,checkpoint)")
    List<Mode> modes;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws Exception {
        if (distributed) {
            if (quick || transformers || f != null || precision != Precision.FP32 || dropPath != 0) {
                throw new IllegalArgumentException("--distributed times train runs of one --model: leave out --quick, --transformers, --f,"
                        + " --precision and --drop-path");
            }
            if (!io.github.revnet.core.models.ModelSpec.resolve(model).reversible() && (modes == null || modes.stream().anyMatch(m -> m != Mode.STORED))) {
                throw new IllegalArgumentException(model + " has no reversible blocks: time it with --modes stored, or pick a revnet-* or revvit-*");
            }
            OutputPaths.folder("--out", out);
            DistributedScaling scaling = new DistributedScaling(model, batch, steps, 2, pairs,
                    modes != null ? modes : List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT), nproc, threads.requested(),
                    Math.max(1, Runtime.getRuntime().availableProcessors()));
            if (!io.github.revnet.core.data.FashionMnist.isInstalled(io.github.revnet.core.data.FashionMnist.DEBIAN_DIR)) {
                throw new IllegalArgumentException("Fashion-MNIST not found in " + io.github.revnet.core.data.FashionMnist.DEBIAN_DIR
                        + ": apt-get install dataset-fashion-mnist");
            }
            threads.apply();
            Banner.print();
            DistributedScaling.Outcome o = scaling.run(out.resolve("distributed-jobs"));
            DistributedScaling.print(o);
            Path json = out.resolve("distributed.json");
            Json.write(json, o);
            System.out.println("wrote " + json);
            return 0;
        }
        if (!(dropPath >= 0 && dropPath < 1)) {
            throw new IllegalArgumentException("--drop-path must be in [0, 1), got " + dropPath);
        }
        if (dropPath != 0 && !transformers) {
            throw new IllegalArgumentException("--drop-path applies to the reversible transformers: use it with --transformers");
        }
        if (quick && transformers) {
            throw new IllegalArgumentException("--quick and --transformers pick different sweeps: give one of them");
        }
        if (f != null || g != null || shape != null) {
            if (quick || transformers) {
                throw new IllegalArgumentException("--f/--g run their own sweep: leave out --quick and --transformers");
            }
            if (precision != Precision.FP32) {
                throw new IllegalArgumentException("--precision " + precision.label()
                        + " applies to the zoo's sweeps only; a scripted block runs in the dtype it was saved in");
            }
            long[] dims = ScriptedBlockCheck.parseShape(shape == null ? "" : shape);
            if (dims.length != 4 || dims[2] != dims[3]) {
                throw new IllegalArgumentException("bench --shape must be N,C,H,W with H = W (square images), got " + shape);
            }
            OutputPaths.folder("--out", out);
            ScriptedBlockCheck.gateOf(f, g, shape, DType.FLOAT32, Coupling.ADDITIVE);
            ScriptedBlock.use(new ScriptedBlock(f, g, (int) dims[1]));
            run(Sweep.scripted((int) dims[0], (int) dims[2]), out, threads, "./revnet bench --f " + f + " --g " + g + " --shape " + shape, null);
            return 0;
        }
        Sweep sweep = transformers ? Sweep.transformers() : quick ? Sweep.quick() : Sweep.standard();
        if (precision != Precision.FP32) {
            OutputPaths.folder("--out", out);
            Precision policy = precision;
            sweep = sweep.under(policy, c -> refusal(c, policy),
                    (c, why) -> System.out.println("leaving out " + c.model() + " under " + policy.label() + ": " + why));
        }
        if (dropPath != 0) {
            OutputPaths.folder("--out", out);
            sweep = sweep.withDropPath(dropPath, (c, why) -> System.out.println("leaving out " + c.model() + ": " + why));
        }
        run(sweep, out, threads, "./revnet bench" + (quick ? " --quick" : transformers ? " --transformers" : "")
                + (precision == Precision.FP32 ? "" : " --precision " + precision.label()) + (dropPath == 0 ? "" : " --drop-path " + dropPath), null);
        return 0;
    }

    /** The model's own refusal of {@code policy} (as {@code Model.create} gives it), or null when it builds. */
    private static String refusal(Sweep.Config c, Precision policy) {
        try (Model m = Model.create(c.model(), ModelOptions.defaults().dtype(c.dtype()).precision(policy))) {
            return null;
        } catch (IllegalArgumentException refused) {
            return refused.getMessage();
        }
    }

    static void run(Sweep sweep, Path out, ThreadsOption threads, String command, TrainingReport.Section training) throws Exception {
        OutputPaths.folder("--out", out);
        threads.apply();
        Banner.print();
        long start = System.nanoTime();
        BenchmarkRun.Outcome outcome = new BenchmarkRun(sweep, out, Torch.threads(),
                line -> System.out.printf("[%6.1fs] %s%n", (System.nanoTime() - start) / 1e9, line)).run();
        ReportWriter.write(outcome, out, command, training);
        System.out.println(outcome.decided());
        System.out.printf("wrote %s (report.md, report.html, results.json, results.csv, jmh.json, charts) in %.0fs%n",
                out.toAbsolutePath(), outcome.seconds());
    }
}
