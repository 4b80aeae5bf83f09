package io.github.revnet.gate;

import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.ModePass;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A case's stack with a fixed input and loss weighting, able to run one forward/backward in any
 * mode from identical state (same parameters, buffers and random stream). Everything it creates
 * lives until {@link #close()}. It runs on the kernels production runs: each convolution on the route the kernel audit
 * chose for it on this CPU ({@code KernelRouting}), not on reference kernels that no training uses.
 */
public final class Harness implements AutoCloseable {
    private final GateCase config;
    private final NativeArena arena = new NativeArena();
    private final ReversibleStack stack;
    private final Tensor input;
    private final Tensor lossWeights;
    private final ModePass.Buffers initialBuffers;

    /** The case's stack, built and filled with data under {@code seed}. */
    public Harness(GateCase config, long seed) {
        this(config, seed, config::build);
    }

    /** A harness over a stack built by {@code build} (variants for negative controls), seeded and converted to the config's dtype. */
    public Harness(GateCase config, long seed, java.util.function.Supplier<ReversibleStack> build) {
        this.config = config;
        try {
            this.stack = arena.run(() -> {
                Torch.seed(seed);
                ReversibleStack s = build.get();
                s.module().to(config.dtype().scalarType(), false);
                return s;
            });
            this.input = arena.run(() -> makeInput(config));
            this.lossWeights = arena.run(() -> torch.randn(config.shape(), new TensorOptions(config.dtype().scalarType())));
            this.initialBuffers = arena.run(() -> ModePass.Buffers.of(stack));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private static Tensor makeInput(GateCase c) {
        TensorOptions options = new TensorOptions(c.dtype().scalarType());
        long[] shape = c.shape();
        int last = shape.length - 1;
        return switch (c.layout()) {
            case CONTIGUOUS -> torch.randn(shape, options);
            case CHANNELS_LAST -> shape.length == 4
                    ? torch.randn(shape, options).contiguous(torch.MemoryFormat.ChannelsLast)
                    : torch.randn(new long[] {shape[0], shape[2], shape[1]}, options).transpose(1, 2);
            case SLICED -> {
                long[] wider = shape.clone();
                wider[last] += 2;
                yield torch.randn(wider, options).narrow(last, 1, shape[last]);
            }
        };
    }

    public GateCase config() {
        return config;
    }

    public ReversibleStack stack() {
        return stack;
    }

    /** The case's input (the layout the case asks for). */
    public Tensor input() {
        return input;
    }

    /** The result of one pass: gradients (parameters, then the input's if it requires one) and buffers after. */
    public record Pass(List<Tensor> gradients, List<Tensor> buffersAfter, double loss) {
    }

    /** One forward/backward of sum(w ⊙ stack(x)) from the initial buffers, with the random state seeded by {@code rngSeed}. */
    public Pass run(Mode mode, long rngSeed) {
        return run(mode, rngSeed, null);
    }

    /** As {@link #run(Mode, long)}, running {@code betweenForwardAndBackward} (if not null) after the forward. */
    public Pass run(Mode mode, long rngSeed, Runnable betweenForwardAndBackward) {
        return run(stack, mode, rngSeed, betweenForwardAndBackward, null);
    }

    /**
     * As {@link #run(Mode, long, Runnable)} through other blocks over this stack's functions (wrappers around its
     * very F, G and coupling, so the same parameters and buffers): how a planted fault runs. Gradients come in the
     * order of the new stack's parameters, which wrappers that register their inner function first keep.
     */
    public Pass runOn(List<io.github.revnet.core.reversible.ReversibleBlock> blocks, Mode mode, long rngSeed, Runnable betweenForwardAndBackward,
            Runnable afterBackward) {
        return run(arena.run(() -> new ReversibleStack(blocks).precision(stack.precision())), mode, rngSeed, betweenForwardAndBackward,
                afterBackward);
    }

    /** As {@link #run(Mode, long, Runnable)}, through {@code through}: this stack or a {@link #view} of it. */
    private Pass run(ReversibleStack through, Mode mode, long rngSeed, Runnable betweenForwardAndBackward, Runnable afterBackward) {
        resetBuffers();
        return arena.run(() -> {
            through.reseed(rngSeed);
            ModePass.Result r = ModePass.run(through, input, config.inputRequiresGrad(), x -> through.forward(x, mode).mul(lossWeights).sum(),
                    new ModePass.Hooks(betweenForwardAndBackward, afterBackward));
            return new Pass(r.allGradients(), r.buffersAfter(), r.loss());
        });
    }

    /**
     * The same blocks (the very same F and G, so the same parameters, buffers and weights) with each
     * function wrapped and another coupling: a test-only view for the sensitivity probes.
     */
    private ReversibleStack view(java.util.function.UnaryOperator<io.github.revnet.core.Layer> wrap, java.util.function.UnaryOperator<io.github.revnet.core.reversible.Coupling> coupling) {
        return arena.run(() -> new ReversibleStack(stack.blocks().stream().map(b -> new io.github.revnet.core.reversible.ReversibleBlock(
                wrap.apply(b.f()), wrap.apply(b.g()), coupling.apply(b.coupling()), b.layout())).toList()).precision(stack.precision()));
    }

    /**
     * How far each of stored mode's gradient tensors moves, relative to its size (in the order of
     * {@link Pass#gradients()}), when only the order of evaluation changes: the same stack with every F and G receiving its input contiguous, or as a strided view like the halves reversible mode splits
     * from a joined tensor. Other layouts steer reductions through other kernels and summation
     * orders, and reversible mode runs F and G on its own layouts in separate backwards: where a
     * gradient is a sum that cancels to a small fraction of its terms, that alone moves it by about
     * eps·Σ|terms|. The gate found a 2x2x1x2 affine stack whose G gradients cancel to 1e-8 of their
     * terms: reversible mode differed by 1.07e-8, while injected reconstruction errors of 1e-15
     * moved them by exactly 0 and a re-laid stack input by 6e-12.
     */
    public double[] evaluationOrderSpreads(long rngSeed, Pass stored) {
        int axis = config.shape().length == 4 ? 1 : 2;
        List<java.util.function.UnaryOperator<Tensor>> layouts = List.of(
                Tensor::contiguous,
                t -> torch.cat(new org.bytedeco.pytorch.TensorVector(t, t), axis).narrow(axis, 0, t.size(axis)));
        double[] spread = new double[stored.gradients().size()];
        for (java.util.function.UnaryOperator<Tensor> layout : layouts) {
            ReversibleStack relaid = view(f -> new Relaid(f, layout), c -> c);
            List<Double> errors = GateChecks.gradientErrors(run(relaid, Mode.STORED, rngSeed, null, null), stored);
            for (int i = 0; i < spread.length; i++) {
                spread[i] = Math.max(spread[i], errors.get(i));
            }
        }
        return spread;
    }

    /** A function that sees its input in another memory layout, same values. */
    public static final class Relaid extends io.github.revnet.core.Layer {
        private final io.github.revnet.core.Layer inner;
        private final java.util.function.UnaryOperator<Tensor> layout;

        public Relaid(io.github.revnet.core.Layer inner, java.util.function.UnaryOperator<Tensor> layout) {
            this.inner = add("inner", inner);
            this.layout = layout;
        }

        @Override
        public Tensor forward(Tensor input) {
            return NativeScope.call(() -> inner.forward(layout.apply(input)));
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /** Gaussian probes per sensitivity estimate (see {@link #reconstructionSensitivities}). */
    public static final int SENSITIVITY_PROBES = 6;

    /**
     * How far reconstruction can move each gradient tensor, relative to its size (in the order of {@link Pass#gradients()}).
     * Each tensor gets its own estimate from the same probes, its own root mean square of relative change, so one
     * ill-conditioned tensor does not set the slack of every other. Reversible mode is stored mode's backward with every
     * reconstructed activation off by its rounding δ: its gradient g moves by J·δ, J the Jacobian of g in the reconstructed
     * activations.
     *
     * <p>The probes reproduce that error on the reference, not on the code under test: checkpoint mode, whose backward
     * recomputes each block from its exactly saved input, with σ·z (z standard normal) added to every activation that a
     * reversible backward would reconstruct ({@link RecomputationJitter}: each block's input halves as F, G and the
     * coupling see them), σ the largest reconstruction error measured (at least one rounding of the input);
     * {@link #SENSITIVITY_PROBES} probes, E‖J·σz‖² = σ²‖J‖_F², each compared with the same run at σ = 0. Rounding errors
     * are no larger than σ element by element and are not aligned with J's leading directions, so ‖J·δ‖ is at most about
     * σ‖J‖_F; the estimate is the probes' root mean square times {@link Tolerances#probeConfidence}, since the mean of n
     * squared probes of a gradient that depends on a single direction is ‖J‖_F²·χ²_n/n and falls short of ‖J‖_F by 2 or more
     * in a few percent of cases (the 100,000-case campaign found one). The worst-case bound ‖J‖_F·‖δ‖₂ that the gate used
     * before is larger by the square root of the number of reconstructed elements: over 1,000 cases it put 49 % of float32
     * tensors above a tolerance of 1e-3, while their errors had a median of 1.2 ulps.
     *
     * <p>Why inject into the reconstruction rather than perturb the input of stored mode: a perturbed input moves every
     * activation consistently, but reconstruction errs in one place only. With an affine coupling the backward multiplies the
     * reconstructed x into the scale's gradient (dL/ds = dy ⊙ x) while the forward's output stays exact; a 2x2x1x2 affine
     * bottleneck stack whose G gradients were sums cancelling to 1e-8 of their terms then differed by 1.07e-8 relative
     * against an input-perturbation estimate of 9.5e-12. And why Gaussian probes, not random signs: with dropout and
     * BatchNorm over a handful of values a gradient can depend on two or three elements, and sign probes cancel on them with
     * probability up to one half (a 1x2x5x3 case erred 9.4 times such an estimate).
     */
    public double[] reconstructionSensitivities(long rngSeed) {
        ReversibleStack.Reconstruction reconstruction = stack.reconstruction(input);
        double eps = config.dtype().epsilon();
        double inputMax;
        try (NativeScope scope = NativeScope.open()) {
            inputMax = input.abs().max().item_double();
        }
        double sigma = Math.max(reconstruction.maxAbsError(), eps * Math.max(inputMax, 1e-300));
        RecomputationJitter jitter = new RecomputationJitter();
        ReversibleStack jittered = view(jitter::function, jitter::coupling);
        jitter.set(0, rngSeed);
        Pass exact = run(jittered, Mode.CHECKPOINT, rngSeed, jitter::arm, null);
        double[] sumOfSquares = new double[exact.gradients().size()];
        for (int probe = 0; probe < SENSITIVITY_PROBES; probe++) {
            jitter.set(sigma, rngSeed + 1000L * probe);
            List<Double> changes = GateChecks.gradientErrors(run(jittered, Mode.CHECKPOINT, rngSeed, jitter::arm, null), exact);
            for (int t = 0; t < sumOfSquares.length; t++) {
                sumOfSquares[t] += changes.get(t) * changes.get(t);
            }
        }
        double scale = Tolerances.probeConfidence(SENSITIVITY_PROBES);
        double[] sensitivity = new double[sumOfSquares.length];
        for (int t = 0; t < sensitivity.length; t++) {
            sensitivity[t] = Math.sqrt(sumOfSquares[t] / SENSITIVITY_PROBES) * scale;
        }
        return sensitivity;
    }

    public void resetBuffers() {
        initialBuffers.restore();
    }

    public double inputMagnitude() {
        try (NativeScope scope = NativeScope.open()) {
            return input.abs().max().item_double();
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
