package io.github.revnet.cli;

import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Coupling;
import io.github.revnet.core.DType;
import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.GateCase;
import io.github.revnet.gate.GateSummary;
import io.github.revnet.gate.InputLayout;
import io.github.revnet.gate.ShapeSpace;
import io.github.revnet.gate.TorchScriptBlocks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    int run() {
        if (blocks < 1) {
            throw new IllegalArgumentException("--blocks must be >= 1, got " + blocks);
        }
        threads.apply();
        System.out.println(Torch.describe());
        long start = System.nanoTime();
        BlockGate gate = gateOf(f, g, shape, dtype, coupling);
        GateCase c = gate.caseOf(parseShape(shape), dtype, blocks, layout, inputRequiresGrad);
        System.out.printf("checking %s, seed %d%n", c, seed);
        Map<String, Runnable> checks = new LinkedHashMap<>();
        checks.put("inverse (max abs error)", () -> gate.checkInverse(c, seed));
        checks.put("reversible gradients (max rel error)", () -> gate.checkGradients(c, seed));
        checks.put("gradient angle (degrees)", () -> gate.checkAngle(c, seed));
        checks.put("running statistics", () -> gate.checkRunningStatistics(c, seed));
        checks.put("finite differences", () -> gate.checkFiniteDifferences(c, seed));
        int failed = 0;
        for (Map.Entry<String, Runnable> check : checks.entrySet()) {
            try {
                check.getValue().run();
                GateSummary summary = gate.summary();
                DType recorded = check.getKey().equals("finite differences") ? DType.FLOAT64 : dtype;
                double worst = summary.worst(check.getKey(), recorded);
                System.out.printf("  %-40s PASS%s%n", check.getKey(), Double.isNaN(worst) ? "" : String.format("  %.3e", worst));
                if (check.getKey().startsWith("reversible")) {
                    System.out.printf("  %-40s PASS  %.3e%n", "checkpoint gradients (max rel error)",
                            summary.worst("checkpoint gradients (max rel error)", dtype));
                }
            } catch (AssertionError e) {
                failed++;
                System.out.printf("  %-40s FAIL  %s%n", check.getKey(), e.getMessage());
            }
        }
        System.out.printf("%s in %.1fs%n", failed == 0 ? "PASS" : "FAIL (" + failed + " checks)", (System.nanoTime() - start) / 1e9);
        return failed == 0 ? 0 : 1;
    }
}
