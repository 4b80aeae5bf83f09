package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;
import io.github.revnet.core.DType;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.GateCase;
import io.github.revnet.gate.IllConditionedCase;
import io.github.revnet.gate.InputLayout;
import io.github.revnet.gate.ShapeSpace;
import io.github.revnet.gate.TorchScriptBlocks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code check --f --g --shape}: the gate's checks on one case of a user's TorchScript block. */
final class ScriptedBlockCheck {
    private final Path f;
    private final Path g;
    private final String shape;
    private final int blocks;
    private final DType dtype;
    private final Coupling coupling;
    private final long seed;
    private final ThreadsOption threads;
    private InputLayout layout = InputLayout.CONTIGUOUS;
    private boolean inputRequiresGrad = true;
    private io.github.revnet.core.kernels.Kernels kernels = io.github.revnet.core.kernels.Kernels.PRODUCTION;

    ScriptedBlockCheck(Path f, Path g, String shape, int blocks, DType dtype, Coupling coupling, long seed, ThreadsOption threads) {
        this.f = f;
        this.g = g;
        this.shape = shape;
        this.blocks = blocks;
        this.dtype = dtype;
        this.coupling = coupling;
        this.seed = seed;
        this.threads = threads;
    }

    ScriptedBlockCheck kernels(io.github.revnet.core.kernels.Kernels value) {
        this.kernels = value;
        return this;
    }

    ScriptedBlockCheck withInput(InputLayout value, boolean requiresGrad) {
        this.layout = value;
        this.inputRequiresGrad = requiresGrad;
        return this;
    }

    static InputLayout parseLayout(String text) {
        for (InputLayout l : InputLayout.values()) {
            if (l.name().equalsIgnoreCase(text.trim().replace('-', '_'))) {
                return l;
            }
        }
        throw new IllegalArgumentException("--layout must be contiguous, channels_last or sliced, got '" + text + "'");
    }

    /** Parses "N,C,H,W" or "B,T,2D"; IllegalArgumentException naming the bad value. */
    static long[] parseShape(String text) {
        String[] parts = text.split(",");
        long[] dims = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                dims[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--shape must be comma-separated positive integers, got '" + text + "'");
            }
            if (dims[i] < 1) {
                throw new IllegalArgumentException("--shape dimensions must be positive, got " + dims[i] + " in '" + text + "'");
            }
        }
        TorchScriptBlocks.layoutFor(dims);
        return dims;
    }

    /** The shape space a TorchScript block of this input shape lives in: its channels (or width) fixed, everything else up to the shape's. */
    static ShapeSpace spaceOf(long[] dims) {
        return dims.length == 4
                ? ShapeSpace.images((int) dims[1]).batch(1, (int) dims[0]).height(1, (int) dims[2]).width(1, (int) dims[3])
                : ShapeSpace.tokens((int) dims[2]).batch(1, (int) dims[0]).sequence(1, (int) dims[1]);
    }

    /** Validated inputs and the gate over them. */
    static BlockGate gateOf(Path f, Path g, String shape, DType dtype, Coupling coupling) {
        if (f == null || g == null || shape == null) {
            throw new IllegalArgumentException("your own block needs all of --f, --g and --shape; missing: " + (f == null ? "--f " : "")
                    + (g == null ? "--g " : "") + (shape == null ? "--shape" : "").trim());
        }
        long[] dims = parseShape(shape);
        TorchScriptBlocks scripted = TorchScriptBlocks.of(f, g);
        scripted.validate(dims, dtype, coupling);
        return BlockGate.of(scripted.name(), scripted.factory(), spaceOf(dims)).couplings(coupling);
    }

    /** Runs every check, prints a line each, and writes the verdict to {@code json} when given; 0 when all passed, else 1. */
    int run(Path json) throws IOException {
        if (blocks < 1) {
            throw new IllegalArgumentException("--blocks must be >= 1, got " + blocks);
        }
        threads.apply();
        Banner.print();
        long start = System.nanoTime();
        BlockGate gate = gateOf(f, g, shape, dtype, coupling);
        long[] dims = parseShape(shape);
        GateCase c = gate.caseOf(dims, dtype, blocks, layout, inputRequiresGrad);
        System.out.printf("checking %s, seed %d%n", c, seed);
        System.out.println("kernels: " + kernels.description());
        KernelTable.printRerouted(System.out);
        Map<String, Runnable> checks = new LinkedHashMap<>();
        checks.put(INVERSE, () -> gate.checkInverse(c, seed));
        checks.put(REVERSIBLE, () -> gate.checkGradients(c, seed));
        checks.put(ANGLE, () -> gate.checkAngle(c, seed));
        checks.put("running statistics", () -> gate.checkRunningStatistics(c, seed));
        checks.put(FINITE_DIFFERENCES, () -> gate.checkFiniteDifferences(c, seed));
        List<CheckVerdict.CheckOutcome> outcomes = new ArrayList<>();
        for (Map.Entry<String, Runnable> check : checks.entrySet()) {
            try {
                check.getValue().run();
                Double worst = worst(gate, check.getKey());
                outcomes.add(new CheckVerdict.CheckOutcome(check.getKey(), true, worst, null));
                System.out.printf("  %-40s PASS%s%n", check.getKey(), worst == null ? "" : String.format("  %.3e", worst));
                if (check.getKey().equals(REVERSIBLE)) {
                    Double checkpoint = worst(gate, CHECKPOINT);
                    outcomes.add(new CheckVerdict.CheckOutcome(CHECKPOINT, true, checkpoint, null));
                    System.out.printf("  %-40s PASS  %.3e%n", CHECKPOINT, checkpoint);
                }
            } catch (AssertionError e) {
                outcomes.add(new CheckVerdict.CheckOutcome(check.getKey(), false, null, e.getMessage()));
                System.out.printf("  %-40s FAIL  %s%n", check.getKey(), e.getMessage());
            } catch (IllConditionedCase e) {
                // Not a pass: the gate cannot vouch for a case whose rounding could hide the faults it promises to catch.
                outcomes.add(new CheckVerdict.CheckOutcome(check.getKey(), false, null, e.getMessage()));
                System.out.printf("  %-40s SET ASIDE  %s%n", check.getKey(), e.getMessage());
            }
        }
        long failed = outcomes.stream().filter(o -> !o.pass()).count();
        System.out.printf("%s in %.1fs%n", failed == 0 ? "PASS" : "FAIL (" + failed + " checks)", (System.nanoTime() - start) / 1e9);
        if (json != null) {
            Json.write(json, verdict(gate, c, outcomes, failed == 0));
            System.out.println("wrote " + json);
        }
        return failed == 0 ? 0 : 1;
    }

    private static final String INVERSE = "inverse (max abs error)";
    private static final String REVERSIBLE = "reversible gradients (max rel error)";
    private static final String CHECKPOINT = "checkpoint gradients (max rel error)";
    private static final String ANGLE = "gradient angle (degrees)";
    private static final String FINITE_DIFFERENCES = "finite differences";

    private Double worst(BlockGate gate, String check) {
        return Json.measured(gate.summary().worst(check, check.equals(FINITE_DIFFERENCES) ? DType.FLOAT64 : dtype));
    }

    private CheckVerdict verdict(BlockGate gate, GateCase c, List<CheckVerdict.CheckOutcome> outcomes, boolean pass) {
        long[] dims = c.shape();
        Integer imageSize = dims.length == 4 && dims[2] == dims[3] ? (int) dims[2] : null;
        return new CheckVerdict(gate.name(), dtype.label(), "fp32", (int) dims[0], imageSize, Arrays.stream(dims).boxed().toList(), seed, c.dropout(),
                coupling.label(), null, passedWorst(outcomes, INVERSE), passedWorst(outcomes, REVERSIBLE), passedWorst(outcomes, CHECKPOINT),
                null, passedWorst(outcomes, ANGLE), null, null, null, null, c.toString(), outcomes, Environment.libtorchVersion(), pass);
    }

    private static Double passedWorst(List<CheckVerdict.CheckOutcome> outcomes, String check) {
        return outcomes.stream().filter(o -> o.check().equals(check)).map(CheckVerdict.CheckOutcome::worst).findFirst().orElse(null);
    }
}
