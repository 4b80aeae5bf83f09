package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.reversible.Coupling;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * The gate over a user's own reversible block: which cases to generate (shapes, dtypes, depths,
 * couplings, dropout, memory layouts) and the checks to run on each, recording what passed in a
 * {@link GateSummary}. Options are immutable; each setter returns a new gate.
 *
 * <pre>{@code
 * BlockGate gate = BlockGate.of("depthwise", BlockFactory.of(DepthwiseF::new, DepthwiseF::new), ShapeSpace.images(4, 8))
 *         .depths(1, 4);
 * }</pre>
 *
 * Extend {@link ReversibleBlockProperties} to get every property over it as jqwik properties, or
 * call the checks from your own.
 */
public final class BlockGate {
    private final String name;
    private final BlockFactory factory;
    private final ShapeSpace shapes;
    private final List<DType> dtypes;
    private final int[] depths;
    private final List<Coupling> couplings;
    private final List<Double> dropouts;
    private final List<InputLayout> layouts;

    private BlockGate(String name, BlockFactory factory, ShapeSpace shapes, List<DType> dtypes, int[] depths, List<Coupling> couplings,
            List<Double> dropouts, List<InputLayout> layouts) {
        this.name = name;
        this.factory = factory;
        this.shapes = shapes;
        this.dtypes = dtypes;
        this.depths = depths;
        this.couplings = couplings;
        this.dropouts = dropouts;
        this.layouts = layouts;
    }

    /**
     * A gate called {@code name} over blocks from {@code factory} on {@code shapes}; defaults: float32
     * and float64, 1–6 blocks, additive coupling, no dropout, every memory layout.
     */
    public static BlockGate of(String name, BlockFactory factory, ShapeSpace shapes) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a gate needs a name (it labels statistics and failures), got '" + name + "'");
        }
        return new BlockGate(name, Objects.requireNonNull(factory, "factory"), Objects.requireNonNull(shapes, "shapes"),
                List.of(DType.FLOAT32, DType.FLOAT64), new int[] {1, 6}, List.of(Coupling.ADDITIVE), List.of(0.0),
                List.of(InputLayout.values()));
    }

    public String name() {
        return name;
    }

    public BlockGate dtypes(DType... values) {
        return new BlockGate(name, factory, shapes, nonEmpty("dtypes", values), depths, couplings, dropouts, layouts);
    }

    /** Stack depths from {@code min} to {@code max} blocks. */
    public BlockGate depths(int min, int max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("depth range must satisfy 1 <= min <= max, got " + min + ".." + max);
        }
        return new BlockGate(name, factory, shapes, dtypes, new int[] {min, max}, couplings, dropouts, layouts);
    }

    /** Couplings the factory supports (it receives the one to use in {@link BlockSpec#coupling()}). */
    public BlockGate couplings(Coupling... values) {
        return new BlockGate(name, factory, shapes, dtypes, depths, nonEmpty("couplings", values), dropouts, layouts);
    }

    /** Dropout probabilities to generate (the factory receives one in {@link BlockSpec#dropout()}). */
    public BlockGate dropouts(double... values) {
        for (double p : values) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            }
        }
        return new BlockGate(name, factory, shapes, dtypes, depths, couplings, nonEmpty("dropouts", Arrays.stream(values).boxed()
                .toArray(Double[]::new)), layouts);
    }

    public BlockGate layouts(InputLayout... values) {
        return new BlockGate(name, factory, shapes, dtypes, depths, couplings, dropouts, nonEmpty("layouts", values));
    }

    @SafeVarargs
    private static <T> List<T> nonEmpty(String what, T... values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("at least one of " + what + " is required");
        }
        return List.of(values);
    }

    /**
     * The generated cases. Float32 cases keep to the domain where float32 comparisons mean something,
     * as in the harness's own gate ({@link Generators#wellConditionedInFloat32}): halves of at least 2
     * channels (token streams of at least 4 features) and at least 16 values per channel, since
     * normalising over fewer values divides by a deviation that rounding dominates. Float64 covers
     * every shape.
     */
    public Arbitrary<GateCase> cases() {
        return Combinators.combine(shapes.arbitrary(), Arbitraries.of(dtypes), Arbitraries.integers().between(depths[0], depths[1]),
                Arbitraries.of(couplings), Arbitraries.of(dropouts), Arbitraries.of(layouts), Arbitraries.of(true, false))
                .as((shape, dtype, blocks, coupling, dropout, layout, inputGrad) -> (GateCase) new CustomCase(name, factory, shapes.layout(),
                        shape, dtype, blocks, coupling, dropout, layout, inputGrad))
                .filter(c -> c.dtype() == DType.FLOAT64 || wellConditionedInFloat32(c.shape()));
    }

    private boolean wellConditionedInFloat32(long[] s) {
        boolean images = shapes.layout() == io.github.revnet.core.reversible.StreamLayout.CHANNELS;
        long channels = images ? s[1] : s[2];
        long valuesPerChannel = images ? s[0] * s[2] * s[3] : s[0] * s[1];
        return channels >= (images ? 4 : 8) && valuesPerChannel >= Generators.MIN_FLOAT32_NORM_VALUES;
    }

    /** The generated cases in float64 (finite differences, dropout replay, lifetimes). */
    public Arbitrary<GateCase> float64Cases() {
        return cases().map(c -> c.withDtype(DType.FLOAT64));
    }

    /** One case, for a check of a single configuration (the command line's {@code check --f --g}). */
    public GateCase caseOf(long[] shape, DType dtype, int blocks) {
        return caseOf(shape, dtype, blocks, InputLayout.CONTIGUOUS, true);
    }

    /** One case with the given input layout and input gradient: replays a case that a property printed. */
    public GateCase caseOf(long[] shape, DType dtype, int blocks, InputLayout layout, boolean inputRequiresGrad) {
        return new CustomCase(name, factory, shapes.layout(), shape, dtype, blocks, couplings.get(0), dropouts.get(0), layout,
                inputRequiresGrad);
    }

    public GateSummary summary() {
        return GateSummary.of(name);
    }

    /** Runs a measured check and records its error, or counts the case as set aside when it is ill-conditioned (and rethrows). */
    private void measure(String check, DType dtype, java.util.function.DoubleSupplier comparison) {
        double error;
        try {
            error = comparison.getAsDouble();
        } catch (IllConditionedCase setAside) {
            summary().recordSetAside(check, dtype);
            throw setAside;
        }
        summary().record(check, dtype, error);
    }

    /** inverse(forward(x)) = x for the stack and for a single block. */
    public void checkInverse(GateCase c, long seed) {
        double worst = 0;
        for (GateCase each : List.of(c, c.singleBlock())) {
            try (Harness h = new Harness(each, seed); NativeScope scope = NativeScope.open()) {
                worst = Math.max(worst, GateChecks.inverseHolds(h));
            }
        }
        summary().record("inverse (max abs error)", c.dtype(), worst);
    }

    /** Reversible and checkpoint modes give stored mode's gradients for every tensor, within the measured tolerance. */
    public void checkGradients(GateCase c, long seed) {
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            measure("reversible gradients (max rel error)", c.dtype(), () -> GateChecks.gradientsAgree(h, seed));
            measure("checkpoint gradients (max rel error)", c.dtype(), () -> GateChecks.checkpointAgrees(h, seed));
        }
    }

    /** The angle between reversible and stored mode's full gradient vectors stays under the tolerance's angle. */
    public void checkAngle(GateCase c, long seed) {
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            measure("gradient angle (degrees)", c.dtype(), () -> GateChecks.gradientAngleAgrees(h, seed));
        }
    }

    /** Stored mode's gradient agrees with finite differences (run on the float64 version of the case, at most 4 blocks, no dropout). */
    public void checkFiniteDifferences(GateCase c, long seed) {
        GateCase fd = c.forFiniteDifferences();
        FiniteDifferences.agree(fd, seed);
        summary().record("finite differences", fd.dtype(), Double.NaN);
    }

    /** Running statistics (BatchNorm) after one step are the same in both modes: updated once, not again by the recomputation. */
    public void checkRunningStatistics(GateCase c, long seed) {
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            GateChecks.runningStatsAgree(h, seed);
        }
        summary().record("running statistics", c.dtype(), Double.NaN);
    }

    /** With dropout requested from the factory (0.4 unless the gate lists a larger one), recomputation replays every random op. */
    public void checkRandomReplay(GateCase c, long seed) {
        double p = Math.max(0.4, dropouts.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        try (Harness h = new Harness(c.withDropout(p), seed); NativeScope scope = NativeScope.open()) {
            measure("random replay (max rel error)", c.dtype(), () -> GateChecks.gradientsAgree(h, seed));
        }
    }

    /** Garbage collection between forward and backward and inside backward changes no gradient bit. */
    public void checkLifetimes(GateCase c, long seed) {
        GateChecks.garbageCollectionChangesNothing(c, seed);
        summary().record("lifetimes under GC", c.dtype(), Double.NaN);
    }
}
