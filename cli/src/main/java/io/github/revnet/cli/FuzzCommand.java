package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;
import io.github.revnet.core.DType;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.GateRunner;
import io.github.revnet.gate.ReversibleBlockProperties;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The property-based gate over a user's TorchScript block: generated shapes, shrinking on failure. */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Run the gate's properties over your own block, F and G given as TorchScript files: batch and spatial "
            + "(or sequence) sizes generated up to --shape's, channels fixed by it; float32 and float64, 1-4 blocks, every "
            + "memory layout. A failure is shrunk to the smallest case jqwik finds and printed with its seed.",
            "With --strength, plants known faults instead and prints the gate's detection rate for each.",
            "Exits 0 when every property passed (--strength: when no intact case failed), 1 otherwise, 2 on bad input."},
        footer = {"", "Example: ./revnet fuzz --f examples/torchscript/preact-f.pt --g examples/torchscript/gated-g.pt --shape 3,8,6,6 --tries 50",
                "         ./revnet fuzz --f examples/torchscript/preact-f.pt --g examples/torchscript/gated-g.pt --shape 3,8,6,6 --strength --tries 100"})
final class FuzzCommand implements Callable<Integer> {
    @Option(names = "--f", description = "F: a TorchScript file")
    Path f;

    @Option(names = "--g", description = "G: a TorchScript file")
    Path g;

    @Option(names = "--shape", description = "largest input: N,C,H,W or B,T,2D (C or 2D is fixed, the rest generated from 1)")
    String shape;

    @Option(names = "--strength", description = "instead of the properties, measure the gate's power: plant each known fault in "
            + "--tries generated cases (your block's with --f/--g/--shape, else the harness's own families) and print the "
            + "detection rate per fault, dtype and mode")
    boolean strength;

    @Option(names = "--seed", defaultValue = "1", description = "--strength: the seed of the generated cases (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--coupling", defaultValue = "additive", converter = Converters.Couplings.class,
            completionCandidates = Converters.Couplings.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Coupling coupling;

    @Option(names = "--tries", defaultValue = "100", description = "generated cases per property (default ${DEFAULT-VALUE})")
    int tries;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--json", description = "also write every property's outcome (tries, checks, seed, shrunk sample) and the summary as JSON")
    Path json;

    /** The gate the container below runs: set before the launcher starts, read by jqwik's instance of the container. */
    static volatile BlockGate current;

    /** The properties over {@link #current}; public so that the JUnit launcher can instantiate it. */
    public static final class ScriptedBlockProperties extends ReversibleBlockProperties {
        @Override
        protected BlockGate gate() {
            return current;
        }
    }

    @Override
    public Integer call() throws IOException {
        if (tries < 1) {
            throw new IllegalArgumentException("--tries must be >= 1, got " + tries);
        }
        OutputPaths.file("--json", json);
        if (strength) {
            return new StrengthRun(f, g, shape, coupling, tries, seed, json).run(threads);
        }
        if (f == null || g == null || shape == null) {
            throw new IllegalArgumentException("fuzz needs --f, --g and --shape (or --strength alone for the harness's own blocks); missing: "
                    + ((f == null ? "--f " : "") + (g == null ? "--g " : "") + (shape == null ? "--shape" : "")).trim());
        }
        threads.apply();
        current = ScriptedBlockCheck.gateOf(f, g, shape, DType.FLOAT64, coupling).depths(1, 4);
        System.out.printf("fuzzing %s: %d tries per property%n", current.name(), tries);
        long start = System.nanoTime();
        GateRunner.Result result = GateRunner.run(ScriptedBlockProperties.class, tries,
                line -> System.out.printf("  [%6.1fs] %s%n", (System.nanoTime() - start) / 1e9, line));
        for (GateRunner.Failure failure : result.failures()) {
            System.out.println("FAILED " + failure.property() + ": " + failure.message());
            System.out.println(failure.report());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %d properties, %d failed, in %.1fs%n", result.passed() ? "PASS" : "FAIL", result.properties(),
                result.failures().size(), seconds);
        if (json != null) {
            Json.write(json, new FuzzVerdict(current.name(), Arrays.stream(ScriptedBlockCheck.parseShape(shape)).boxed().toList(),
                    coupling.label(), tries, result.properties(), result.failures().size(), result.outcomes(),
                    current.summary().rows(), Environment.libtorchVersion(), seconds, result.passed()));
            System.out.println("wrote " + json);
        }
        return result.passed() ? 0 : 1;
    }
}
