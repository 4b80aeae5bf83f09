package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.kernels.Kernels;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.ModelSpec;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.InputLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One forward/backward in both modes from the same weights and input, compared. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Build a RevNet, run one forward/backward in stored and in reversible mode from the same weights and input, "
            + "and compare: inverse reconstruction error, and per parameter tensor the relative gradient error "
            + "||g_rev - g_stored|| / ||g_stored||. Exits 1 when a tolerance is exceeded, 2 on bad arguments.",
            "With --f/--g/--shape instead of --model: gate your own block, F and G given as TorchScript files, with the "
            + "gate's checks (inverse, reversible and checkpoint gradients, angle, running statistics, finite differences)."},
        footer = {"", "Default tolerances: 1e-10 in float64, scaled by the ratio of machine epsilons for float32",
                "(1e-10 * eps32/eps64 = 5.4e-2): the same number of units in the last place in both types.",
                "For --f/--g the gate's own tolerances apply: measured per case from the reconstruction error and the",
                "spread over evaluation orders (see README, \"The gate\").",
                "", "Examples: ./revnet check --model revnet-38 --dtype float64 --json check.json",
                "          ./revnet check --f examples/torchscript/preact-f.pt --g examples/torchscript/gated-g.pt --shape 2,8,6,6"})
final class CheckCommand implements Callable<Integer> {
    static final double FLOAT64_TOLERANCE = 1e-10;

    @Option(names = "--model", description = "a model of ./revnet models with reversible blocks (revnet-*, revvit-*)")
    String model;

    @Option(names = "--f", description = "F of your own block: a TorchScript file (torch.jit.script(f).save(...)); needs --g and --shape")
    Path f;

    @Option(names = "--g", description = "G of your own block: a TorchScript file")
    Path g;

    @Option(names = "--shape", description = "input shape of your block's stack: N,C,H,W (halves along channels) or B,T,2D (along features)")
    String shape;

    @Option(names = "--blocks", defaultValue = "2", description = "with --f/--g: blocks in the stack (default ${DEFAULT-VALUE})")
    int blocks;

    @Option(names = "--layout", defaultValue = "contiguous", converter = Converters.Layouts.class,
            completionCandidates = Converters.Layouts.class,
            description = "with --f/--g: the input's memory layout, ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    InputLayout layout;

    @Option(names = "--no-input-grad", description = "with --f/--g: the input requires no gradient (fuzz cases print input-grad when it does)")
    boolean noInputGrad;

    @Option(names = "--batch", defaultValue = "2", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--dtype", converter = Converters.DTypes.class, completionCandidates = Converters.DTypes.class,
            description = "${COMPLETION-CANDIDATES} (default float64; float32 with a bfloat16 --precision)")
    DType dtype;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.Precisions.class,
            completionCandidates = Converters.Precisions.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}): bf16 runs F and G under bfloat16 autocast with float32 "
            + "streams; bf16-pure puts the streams in bfloat16 too. Both modes run under the same policy.")
    Precision precision;

    @Option(names = "--seed", defaultValue = "0", description = "seed of weights, input and labels (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--image-size", description = "input height and width (default: the model's: 32 or 224 for RevNets, 28 or 32 for transformers)")
    Integer imageSize;

    @Option(names = "--dropout", defaultValue = "0", description = "dropout probability inside F and G, in [0, 1) (default ${DEFAULT-VALUE});"
            + " both passes draw the same masks")
    double dropout;

    @Option(names = "--drop-path", defaultValue = "0", description = "stochastic depth of each reversible transformer block's F and G, in"
            + " [0, 1) (default ${DEFAULT-VALUE}; RevViTs only); both passes draw the same masks")
    double dropPath;

    @Option(names = "--coupling", defaultValue = "additive", converter = Converters.Couplings.class,
            completionCandidates = Converters.Couplings.class,
            description = "coupling of the reversible blocks: additive (y = x + F) or affine (y = x * s + t) (default ${DEFAULT-VALUE})")
    Coupling coupling;

    @Option(names = "--tolerance", description = "override both tolerances")
    Double tolerance;

    @Option(names = "--kernels", defaultValue = "production", converter = Converters.KernelChoices.class,
            completionCandidates = Converters.KernelChoices.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}): production checks the kernels training runs, each "
            + "convolution on the route the kernel audit chose on this CPU (./revnet audit); reference switches oneDNN off "
            + "for the whole check, a second opinion")
    Kernels kernels;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--json", description = "also write the result as JSON to this file (with --f/--g too: the same fields, "
            + "plus the case, the seed and each check's outcome; README, Gate your own block)")
    Path json;

    @Option(names = "--quiet", description = "print only the summary, not every parameter")
    boolean quiet;

    @Option(names = "--nproc", defaultValue = "1", description = "data-parallel ranks on this machine (default ${DEFAULT-VALUE}): with 2 or more, "
            + "one step in each of --modes over c10d's Gloo backend, every rank's averaged gradients against the "
            + "single-process mean of the shards' stored-mode gradients; --batch is per rank")
    int nproc;

    @Option(names = "--modes", split = ",", converter = Converters.Modes.class, completionCandidates = Converters.Modes.class,
            description = "with --nproc: the modes to step in (default stored,reversible,checkpoint)")
    List<Mode> modes;

    @Option(names = "--sync-bn", description = "with --nproc: batch normalisation over the global batch (SyncBatchNorm), checked "
            + "against one process on the whole global batch, running statistics included")
    boolean syncBn;

    @Option(names = "--timeout", defaultValue = "60", description = "with --nproc: seconds a rank waits for the others before it gives up"
            + " (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (f != null || g != null || shape != null) {
            if (model != null) {
                throw new IllegalArgumentException("give either --model or --f/--g/--shape, not both");
            }
            if (precision != Precision.FP32) {
                throw new IllegalArgumentException("--precision " + precision.label()
                        + " applies to --model only; a scripted block runs in the dtype it was saved in");
            }
            if (nproc != 1 || modes != null || syncBn) {
                throw new IllegalArgumentException("--nproc, --modes and --sync-bn apply to --model only");
            }
            if (dropPath != 0) {
                throw new IllegalArgumentException("--drop-path applies to --model only; a scripted block's own random ops are replayed as they are");
            }
            OutputPaths.file("--json", json);
            try (AutoCloseable held = kernels.hold()) {
                return new ScriptedBlockCheck(f, g, shape, blocks, dtype != null ? dtype : DType.FLOAT64, coupling, seed, threads)
                        .withInput(layout, !noInputGrad).kernels(kernels).run(json);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("missing --model (or --f, --g and --shape for your own block)");
        }
        DType type = dtype != null ? dtype : precision == Precision.FP32 ? DType.FLOAT64 : DType.FLOAT32;
        precision.requireCompatible(type);
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (tolerance != null && !(tolerance > 0)) {
            throw new IllegalArgumentException("--tolerance must be positive, got " + tolerance);
        }
        if (nproc < 1) {
            throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
        }
        if (nproc == 1 && modes != null) {
            throw new IllegalArgumentException("--modes applies with --nproc 2 or more; a single-process check compares stored and reversible");
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be >= 1 second, got " + timeoutSeconds);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
        }
        if (!(dropPath >= 0 && dropPath < 1)) {
            throw new IllegalArgumentException("--drop-path must be in [0, 1), got " + dropPath);
        }
        if (syncBn) {
            if (nproc == 1) {
                throw new IllegalArgumentException("--sync-bn applies with --nproc 2 or more: one process normalises its whole batch anyway");
            }
            if (dropout != 0) {
                throw new IllegalArgumentException("--sync-bn is checked against one process on the global batch, which cannot draw"
                        + " each rank's dropout masks: leave --dropout at 0 (got " + dropout + ")");
            }
            if (!ModelSpec.resolve(model).batchNorm()) {
                throw new IllegalArgumentException("--sync-bn: " + model + " has no batch normalisation to synchronise");
            }
        }
        if (nproc > 1 && dropPath != 0) {
            throw new IllegalArgumentException("--drop-path applies to single-process checks; --nproc checks take none");
        }
        OutputPaths.file("--json", json);
        double tol = tolerance != null ? tolerance : FLOAT64_TOLERANCE * type.epsilon() / DType.FLOAT64.epsilon();
        if (nproc > 1) {
            return new DistributedCheck(model, type, precision, batch, imageSize, seed, coupling, dropout, timeoutSeconds,
                    modes != null ? modes : List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT), nproc, tol, syncBn).run(json);
        }
        ModelOptions options = ModelOptions.defaults().dtype(type).precision(precision).seed(seed).coupling(coupling).dropPath(dropPath)
                .device(device.available());
        threads.apply();
        Banner.print();
        long start = System.nanoTime();
        System.out.println("kernels: " + kernels.description());
        try (AutoCloseable held = kernels.hold(); Model m = Model.create(model, options.dropout(dropout));
                NativeScope scope = NativeScope.open()) {
            if (!m.spec().reversible()) {
                throw new IllegalArgumentException(model + " has no reversible blocks to check: pick a revnet-* or revvit-*");
            }
            int size = imageSize != null ? imageSize : m.spec().defaultImageSize();
            System.out.printf("%s: %,d parameters (paper: %s), %s coupling, batch %d, %dx%d, %s, precision %s, dropout %s, tolerance %.1e%n",
                    m.spec().name(), m.parameterCount(),
                    Double.isNaN(m.spec().paperParamsMillions()) ? "-" : String.format("%.2fM", m.spec().paperParamsMillions()), options.coupling().label(), batch, size, size,
                    type.label(), precision, dropout, tol);
            Torch.seed(seed + 1);
            var input = m.randomInput(batch, size);
            var labels = m.randomLabels(batch);
            GradientCheck.Result r = GradientCheck.run(m, input, labels,
                    phase -> System.out.printf("  [%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, phase), true);
            boolean pass = r.inverseMaxAbsError() <= tol && r.maxRelativeGradError() <= tol;
            if (!quiet) {
                System.out.println("relative gradient error per parameter tensor:");
                for (GradientCheck.TensorError e : r.parameters()) {
                    System.out.printf("  %-60s %.3e%s%n", e.name(), e.relativeError(), e.relativeError() > tol ? "  FAIL" : "");
                }
            }
            System.out.printf("input gradient relative error   %.3e%n", r.inputRelativeError());
            System.out.printf("inverse max abs error           %.3e%n", r.inverseMaxAbsError());
            System.out.printf("max relative gradient error     %.3e%n", r.maxRelativeGradError());
            System.out.printf("gradient angle (degrees)        %.3e%n", r.gradAngleDegrees());
            if (!Double.isNaN(r.storedAngleToFloat64Degrees())) {
                System.out.printf("angle to float64 (degrees)      stored %.3e, reversible %.3e (what %s itself costs)%n",
                        r.storedAngleToFloat64Degrees(), r.reversibleAngleToFloat64Degrees(), precision == Precision.FP32 ? type : precision);
            }
            System.out.printf("running stats max abs diff      %.3e%n", r.runningStatsMaxAbsDiff());
            System.out.printf("loss stored / reversible        %.10f / %.10f%n", r.storedLoss(), r.reversibleLoss());
            KernelTable.printRerouted(System.out);
            System.out.printf("%s in %.1fs%n", pass ? "PASS" : "FAIL", (System.nanoTime() - start) / 1e9);
            if (json != null) {
                writeJson(r, tol, size, pass);
                System.out.println("wrote " + json);
            }
            return pass ? 0 : 1;
        }
    }

    private void writeJson(GradientCheck.Result r, double tol, int size, boolean pass) throws IOException {
        List<CheckVerdict.ParameterError> params = r.parameters().stream()
                .map(e -> new CheckVerdict.ParameterError(e.name(), e.relativeError())).toList();
        Json.write(json, new CheckVerdict(r.model(), r.dtype().label(), precision.label(), r.batch(), size, null, seed, dropout,
                coupling.label(), tol, r.inverseMaxAbsError(), r.maxRelativeGradError(), null, r.inputRelativeError(), r.gradAngleDegrees(),
                Json.measured(r.storedAngleToFloat64Degrees()), Json.measured(r.reversibleAngleToFloat64Degrees()), r.runningStatsMaxAbsDiff(), params, null, null, Environment.libtorchVersion(), pass));
    }
}
