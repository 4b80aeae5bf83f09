package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.kernels.Kernels;
import io.github.revnet.core.checks.GradientCheck;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The gate's checks as plain functions, shared by the properties, by the negative controls that
 * prove each one can fail, and by {@code revnet check} on a user's block. Each throws
 * AssertionError with the measured figures and the case.
 */
public final class GateChecks {
    private GateChecks() {
    }

    /** Max relative error over gradient tensors; infinite when one side lacks a gradient the other has. */
    public static double worstGradientError(Harness.Pass a, Harness.Pass b) {
        double worst = 0;
        for (int i = 0; i < a.gradients().size(); i++) {
            worst = Math.max(worst, GradientCheck.relativeError(a.gradients().get(i), b.gradients().get(i)));
        }
        return worst;
    }

    /** The relative error of every gradient tensor, in order, for failure messages. */
    public static List<Double> gradientErrors(Harness.Pass a, Harness.Pass b) {
        List<Double> errors = new java.util.ArrayList<>();
        for (int i = 0; i < a.gradients().size(); i++) {
            errors.add(GradientCheck.relativeError(a.gradients().get(i), b.gradients().get(i)));
        }
        return errors;
    }

    /**
     * A derived tolerance, which must be a number: a NaN or infinite one (a probe or a relaid pass that produced NaN)
     * would otherwise make every comparison against it fail with a message that blames the code under test.
     */
    private static double finite(double tolerance, double sensitivity, double spread, Harness h) {
        if (!Double.isFinite(tolerance)) {
            throw new AssertionError("the derived tolerance is not finite (" + tolerance + "; reconstruction sensitivity " + sensitivity
                    + ", spread over evaluation orders " + spread + "): a probe or relaid pass produced NaN or infinity, for " + h.config());
        }
        return tolerance;
    }

    /** Statistics label under which every comparison records whether its case was set aside as ill-conditioned. */
    public static final String ILL_CONDITIONED = "set aside as ill-conditioned";

    /**
     * The tolerances, if every one is within {@link Tolerances#ceiling}; otherwise the case is set aside
     * ({@link IllConditionedCase}): a tolerance above the ceiling would pass faults the gate promises to catch. Either way
     * the outcome is counted in the property's statistics.
     */
    static double[] wellConditioned(double[] tolerances, Harness h) {
        double ceiling = Tolerances.ceiling(h.config().dtype());
        int i = firstAboveCeiling(h.config().dtype(), tolerances);
        if (i >= 0) {
            GateStatistics.collect(ILL_CONDITIONED, "yes");
            throw new IllConditionedCase("set aside as ill-conditioned: tensor " + i + " of " + tolerances.length + " needs a tolerance of "
                    + tolerances[i] + " > the " + h.config().dtype().label() + " ceiling " + ceiling + " (per tensor: "
                    + java.util.Arrays.toString(tolerances) + ") for " + h.config(), tolerances[i]);
        }
        GateStatistics.collect(ILL_CONDITIONED, "no");
        return tolerances;
    }

    /** The index of the first tolerance above {@link Tolerances#ceiling}, or -1 when the case is well conditioned. */
    static int firstAboveCeiling(io.github.revnet.core.DType dtype, double[] tolerances) {
        for (int i = 0; i < tolerances.length; i++) {
            if (tolerances[i] > Tolerances.ceiling(dtype)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Checks agreement tensor by tensor, each against its own tolerance (its own reconstruction sensitivity and spread
     * over evaluation orders), and returns the worst relative error, for the statistics report.
     */
    public static double gradientsAgree(Harness h, long rngSeed) {
        Harness.Pass stored = reproducibleStoredPass(h, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        return withinTolerances("gradients differ", gradientErrors(reversible, stored),
                wellConditioned(perTensorTolerances(h, rngSeed, stored), h), h.config());
    }

    /**
     * Every tensor's error within its own tolerance, or AssertionError naming the tensor with both figures and the case;
     * returns the worst error. A tensor's slack is its own: a tolerance that another, ill-conditioned tensor needs does not
     * cover it.
     */
    static double withinTolerances(String what, List<Double> errors, double[] tolerances, Object config) {
        double worst = 0;
        for (int i = 0; i < errors.size(); i++) {
            if (!(errors.get(i) <= tolerances[i])) {
                throw new AssertionError(what + ": tensor " + i + " of " + errors.size() + " has relative error " + errors.get(i)
                        + " > its tolerance " + tolerances[i] + " (per tensor: errors " + errors + ", tolerances "
                        + java.util.Arrays.toString(tolerances) + ") for " + config);
            }
            worst = Math.max(worst, errors.get(i));
        }
        return worst;
    }

    /**
     * Each gradient tensor's tolerance: {@link Tolerances#gradient(io.github.revnet.core.DType, int, double)} of its own
     * reconstruction sensitivity plus its own spread over evaluation orders, which must be finite.
     */
    static double[] perTensorTolerances(Harness h, long rngSeed, Harness.Pass stored) {
        return reversibleTolerances(h, rngSeed, stored).tolerances();
    }

    /** A mode's per-tensor tolerances with the measurements they come from (zero sensitivities for checkpoint mode). */
    record Derived(double[] sensitivities, double[] spreads, double[] tolerances) {
    }

    static Derived reversibleTolerances(Harness h, long rngSeed, Harness.Pass stored) {
        return derive(h, h.reconstructionSensitivities(rngSeed), h.evaluationOrderSpreads(rngSeed, stored));
    }

    static Derived checkpointTolerances(Harness h, long rngSeed, Harness.Pass stored) {
        double[] spread = h.evaluationOrderSpreads(rngSeed, stored);
        return derive(h, new double[spread.length], spread);
    }

    private static Derived derive(Harness h, double[] sensitivity, double[] spread) {
        double[] tolerances = new double[sensitivity.length];
        for (int i = 0; i < tolerances.length; i++) {
            tolerances[i] = finite(Tolerances.gradient(h.config().dtype(), h.config().blocks(), sensitivity[i], spread[i]), sensitivity[i],
                    spread[i], h);
        }
        return new Derived(sensitivity, spread, tolerances);
    }

    /**
     * A stored pass, checked to be bitwise reproducible from the same random state. Reconstruction
     * needs F and G to be functions of their input and the stack's random stream; a random op that
     * draws from anywhere else (an attention dropout on the default generator) cannot be replayed,
     * and would also inflate the measured tolerance, since every probe of stored mode would differ.
     */
    public static Harness.Pass reproducibleStoredPass(Harness h, long rngSeed) {
        long epoch = KernelRouting.epoch();
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        if (KernelRouting.epoch() != epoch) {
            // The first pass changed the kernels under it (a script routed process-wide): the comparisons start after it.
            stored = h.run(Mode.STORED, rngSeed);
        }
        double repeat = worstGradientError(h.run(Mode.STORED, rngSeed), stored);
        if (Double.isNaN(repeat) || Double.isInfinite(repeat)) {
            throw new AssertionError("stored mode's own gradients are not finite (relative difference between two stored passes "
                    + repeat + "): a kernel or the function produced NaN or infinity, for " + h.config());
        }
        if (repeat != 0) {
            double onReference = repeatOnReferenceKernels(h, rngSeed);
            String differ = "gradients differ between two stored passes from the same random state (worst relative " + repeat;
            throw new NotReproducible(onReference == 0
                    ? differ + ") on the kernels training runs, and agree bit for bit on LibTorch's reference kernels (oneDNN off):"
                            + " a LibTorch kernel on this CPU is not reproducible (a defect of LibTorch's, not of the block; run"
                            + " `./revnet audit` on it, or check with --kernels reference), for " + h.config()
                    : differ + ", and " + onReference + " on LibTorch's reference kernels): a function draws random numbers that the"
                            + " stack's stream does not replay, or keeps a state it changes, for " + h.config());
        }
        return stored;
    }

    /**
     * The same two stored passes with oneDNN off. A kernel that reads memory it never wrote (oneDNN's blocked layouts on
     * some AVX-512 CPUs) makes repeated passes differ like an unreplayed random op; on the reference kernels the block's
     * own randomness still shows, the kernel's does not.
     */
    private static double repeatOnReferenceKernels(Harness h, long rngSeed) {
        try (AutoCloseable hold = Kernels.REFERENCE.hold(); NativeScope scope = NativeScope.open()) {
            Harness.Pass first = h.run(Mode.STORED, rngSeed);
            return worstGradientError(h.run(Mode.STORED, rngSeed), first);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A stored pass that two runs from the same random state do not reproduce: the gate cannot judge such a block. */
    public static final class NotReproducible extends AssertionError {
        NotReproducible(String message) {
            super(message);
        }
    }

    /** The angle between the full gradient vectors of two passes; must stay under the angle that the gradient tolerance allows. */
    public static double gradientAngleAgrees(Harness h, long rngSeed) {
        // Reproducibility first, as for gradient agreement: with a function that draws outside the stack's stream, every
        // sensitivity probe differs too, and the bound grows with the fault (a block with unreplayed dropout passed at 39 degrees).
        Harness.Pass stored = reproducibleStoredPass(h, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        double angle = GradientCheck.angleDegrees(reversible.gradients(), stored.gradients());
        double bound = angleBound(wellConditioned(perTensorTolerances(h, rngSeed, stored), h), stored);
        if (!(angle <= bound)) {
            throw new AssertionError("gradient angle " + angle + " > " + bound + " degrees for " + h.config());
        }
        return angle;
    }

    /**
     * The largest angle, in degrees, between two gradient vectors whose tensors each lie within their tolerance of
     * {@code stored}'s. With every tensor within its tolerance, ||dg||^2 = sum ||dg_i||^2 <= sum (tol_i ||g_i||)^2: the
     * sine of the angle is at most that over ||g||, a bound weighted by where the gradient's size is, not the worst
     * tensor's tolerance.
     */
    static double angleBound(double[] tolerances, Harness.Pass stored) {
        double allowed = 0;
        double total = 0;
        try (NativeScope scope = NativeScope.open()) {
            for (int i = 0; i < tolerances.length; i++) {
                Tensor g = stored.gradients().get(i);
                double norm = g == null ? 0 : g.norm().item_double();
                // A tensor whose stored gradient is zero is compared in absolute terms (GradientCheck.relativeError).
                allowed += tolerances[i] * tolerances[i] * (norm == 0 ? 1 : norm * norm);
                total += norm * norm;
            }
        }
        double sine = total == 0 ? 1 : Math.sqrt(allowed / total);
        return Math.toDegrees(Math.asin(Math.min(1, sine)));
    }

    public static void runningStatsAgree(Harness h, long rngSeed) {
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        List<Tensor> a = stored.buffersAfter();
        List<Tensor> b = reversible.buffersAfter();
        for (int i = 0; i < a.size(); i++) {
            double diff = GradientCheck.relativeError(b.get(i), a.get(i));
            if (!(diff <= Tolerances.floor(h.config().dtype(), h.config().blocks()))) {
                throw new AssertionError("buffer " + i + " differs after one step (relative " + diff + "): running statistics updated"
                        + " differently in reversible mode for " + h.config());
            }
        }
    }

    /** inverse(forward(x)) = x within the dtype's and coupling's tolerance; returns the max abs error. */
    public static double inverseHolds(Harness h) {
        double error = h.stack().reconstructionError(h.input());
        double tol = Tolerances.inverse(h.config().dtype(), h.config().blocks(), h.inputMagnitude(), h.config().coupling().inverseConditioning());
        if (!(error <= tol)) {
            throw new AssertionError("inverse(forward(x)) differs from x by " + error + " > " + tol + " for " + h.config());
        }
        return error;
    }

    /**
     * Where the streams live on the fixed-point grid ({@code Precision.streamsOnGrid}) and the coupling is additive, the
     * inverse is exact: inverse(forward(x)) gives back the stack's (snapped) input bit for bit, however many blocks and
     * whatever F and G computed in bfloat16. Returns the max abs error, 0 when it holds.
     */
    public static double inverseExactOnTheGrid(Harness h) {
        double error = h.stack().reconstructionError(h.input());
        if (error != 0) {
            throw new AssertionError("on the stream grid the additive inverse must be exact, but inverse(forward(x)) differs from x by "
                    + error + " for " + h.config());
        }
        return error;
    }

    /**
     * On the stream grid an additive stack's recomputation is its forward bit for bit (the inverse is exact, so F and G
     * see the forward's very inputs, in the same layout, under the same autocast and random state), and the backward
     * through each block runs the operations stored mode's backward runs: reversible gradients must equal stored ones
     * bit for bit. Stored mode must first reproduce itself. Returns the worst relative error, 0 when it holds.
     */
    public static double gradientsExactOnTheGrid(Harness h, long rngSeed) {
        Harness.Pass stored = reproducibleStoredPass(h, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        List<Double> errors = gradientErrors(reversible, stored);
        double worst = errors.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        if (worst != 0) {
            throw new AssertionError("on the stream grid an additive stack's reversible gradients must be stored's bit for bit, but they"
                    + " differ (per tensor: " + errors + ") for " + h.config());
        }
        return worst;
    }

    /**
     * The promise of a bfloat16 policy that keeps float32 streams: each block's outputs are, bit for bit, the float32
     * coupling (additive or affine, as the block's function shape says) of its input halves with what F and G returned, and
     * stay float32. F and G run under the stack's precision, as in every mode; the buffers are reset after. Returns the
     * number of blocks checked.
     */
    public static int streamsStayInFloat32(Harness h) {
        io.github.revnet.core.reversible.ReversibleStack s = h.stack();
        io.github.revnet.core.Precision precision = s.precision();
        try (NativeScope scope = NativeScope.open()) {
            io.github.revnet.bridge.Grad.off(() -> {
                Tensor[] x = s.layout().split(h.input());
                for (int i = 0; i < s.blocks().size(); i++) {
                    io.github.revnet.core.reversible.ReversibleBlock b = s.blocks().get(i);
                    io.github.revnet.core.reversible.Coupling reference = b.coupling().functionChannels(2) == 2
                            ? io.github.revnet.core.reversible.Coupling.ADDITIVE : io.github.revnet.core.reversible.Coupling.AFFINE;
                    Tensor x2 = x[1];
                    Tensor hF = precision.functionAutocast(io.github.revnet.bridge.Autocast.current())
                            .enter((java.util.function.Supplier<Tensor>) () -> b.f().forward(x2));
                    Tensor y1 = requireFloat32Coupling(b.coupling().combine(x[0], hF), reference.combine(x[0], hF), "y1", i, h);
                    Tensor hG = precision.functionAutocast(io.github.revnet.bridge.Autocast.current())
                            .enter((java.util.function.Supplier<Tensor>) () -> b.g().forward(y1));
                    Tensor y2 = requireFloat32Coupling(b.coupling().combine(x2, hG), reference.combine(x2, hG), "y2", i, h);
                    x = new Tensor[] {y1, y2};
                }
                return null;
            });
        } finally {
            h.resetBuffers();
        }
        return h.stack().blocks().size();
    }

    private static Tensor requireFloat32Coupling(Tensor y, Tensor reference, String which, int block, Harness h) {
        if (y.scalar_type().value != org.bytedeco.pytorch.global.torch.ScalarType.Float.value || !org.bytedeco.pytorch.global.torch.equal(y,
                reference)) {
            double diff = y.to(org.bytedeco.pytorch.global.torch.ScalarType.Double).sub(reference).abs().max().item_double();
            throw new AssertionError("block " + block + "'s " + which + " is not the float32 coupling of its inputs (" + y.scalar_type()
                    + ", max abs difference " + diff + "): a stream left float32 under " + h.stack().precision() + " for " + h.config());
        }
        return y;
    }

    /**
     * Checkpoint mode recomputes each block's forward from its stored input, so only the order of
     * evaluation can move its gradients: they must agree with stored mode's within the tolerance
     * for the measured spread over evaluation orders. Returns the worst relative error.
     */
    public static double checkpointAgrees(Harness h, long rngSeed) {
        Harness.Pass stored = reproducibleStoredPass(h, rngSeed);
        Harness.Pass checkpoint = h.run(Mode.CHECKPOINT, rngSeed);
        double[] tolerances = wellConditioned(checkpointTolerances(h, rngSeed, stored).tolerances(), h);
        return withinTolerances("checkpoint gradients differ from stored (tolerances from the spread over evaluation orders alone)",
                gradientErrors(checkpoint, stored), tolerances, h.config());
    }

    /**
     * Lifetimes: garbage collection between forward and backward, and inside backward's
     * recomputation (a function that collects whenever it runs), changes no gradient bit. A repeated
     * plain pass must be bitwise equal first, so non-determinism is told apart from a lifetime bug.
     */
    public static void garbageCollectionChangesNothing(GateCase c, long seed) {
        try (Harness plain = new Harness(c, seed);
                Harness collecting = new Harness(c, seed, () -> c.buildWithF(Collecting::new));
                NativeScope scope = NativeScope.open()) {
            Harness.Pass reference = plain.run(Mode.REVERSIBLE, seed);
            Harness.Pass repeated = plain.run(Mode.REVERSIBLE, seed);
            double repeatDiff = worstGradientError(repeated, reference);
            if (repeatDiff != 0) {
                throw new AssertionError("the same reversible pass repeated changed gradients by " + repeatDiff + " (losses "
                        + reference.loss() + ", " + repeated.loss() + ") for " + c);
            }
            Harness.Pass underGc = collecting.run(Mode.REVERSIBLE, seed, () -> {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
            });
            // Same seed, same initialisation order: the two stacks hold identical weights.
            double diff = worstGradientError(underGc, reference);
            if (diff != 0) {
                throw new AssertionError("garbage collection changed gradients by " + diff + " (losses " + reference.loss() + ", "
                        + underGc.loss() + "; per tensor " + gradientErrors(underGc, reference) + ") for " + c);
            }
        }
    }

    /** A function that forces garbage collection whenever it runs, i.e. also inside backward's recomputation. */
    static final class Collecting extends Layer {
        private final Layer inner;

        Collecting(Layer inner) {
            this.inner = add("inner", inner);
        }

        @Override
        public Tensor forward(Tensor input) {
            System.gc();
            return inner.forward(input);
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }
}
