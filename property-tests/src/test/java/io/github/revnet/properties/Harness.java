package io.github.revnet.properties;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.ReversibleStack;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A generated stack with a fixed input and loss weighting, able to run one forward/backward in
 * either mode from identical state. Everything it creates lives until {@link #close()}.
 */
final class Harness implements AutoCloseable {
    final StackConfig config;
    final NativeArena arena = new NativeArena();
    final ReversibleStack stack;
    final Tensor input;
    final Tensor lossWeights;
    private final List<Tensor> initialBuffers;

    Harness(StackConfig config, long seed) {
        this(config, seed, () -> ReversibleStack.of(config.blocks(), config.channels(), config.functions(), config.coupling()));
    }

    /** A harness over a stack built by {@code build} (test-only variants), seeded and converted to the config's dtype. */
    Harness(StackConfig config, long seed, java.util.function.Supplier<ReversibleStack> build) {
        this.config = config;
        this.stack = arena.run(() -> {
            Torch.seed(seed);
            ReversibleStack s = build.get();
            s.module().to(config.dtype().scalarType(), false);
            return s;
        });
        this.input = arena.run(() -> makeInput(config));
        this.lossWeights = arena.run(() -> torch.randn(new long[] {config.batch(), config.channels(), config.height(), config.width()},
                new TensorOptions(config.dtype().scalarType())));
        this.initialBuffers = arena.run(() -> Grad.off(() -> stack.buffers().stream().map(Tensor::clone).toList()));
    }

    private static Tensor makeInput(StackConfig c) {
        TensorOptions options = new TensorOptions(c.dtype().scalarType());
        return switch (c.layout()) {
            case CONTIGUOUS -> torch.randn(new long[] {c.batch(), c.channels(), c.height(), c.width()}, options);
            case CHANNELS_LAST -> torch.randn(new long[] {c.batch(), c.channels(), c.height(), c.width()}, options)
                    .contiguous(torch.MemoryFormat.ChannelsLast);
            case SLICED -> torch.randn(new long[] {c.batch(), c.channels(), c.height(), c.width() + 2}, options).narrow(3, 1, c.width());
        };
    }

    /** The result of one pass: gradients (parameters, then the input's if it requires one) and buffers after. */
    record Pass(List<Tensor> gradients, List<Tensor> buffersAfter, double loss) {
    }

    /** One forward/backward of sum(w ⊙ stack(x)) from the initial buffers, with the random state seeded by {@code rngSeed}. */
    Pass run(Mode mode, long rngSeed) {
        return run(mode, rngSeed, null);
    }

    Pass run(Mode mode, long rngSeed, Runnable betweenForwardAndBackward) {
        resetBuffers();
        stack.module().zero_grad(true);
        return arena.run(() -> {
            Tensor x = input.detach();
            x.requires_grad_(config.inputRequiresGrad());
            stack.reseed(rngSeed);
            double loss;
            try (NativeScope scope = NativeScope.open()) {
                Tensor l = stack.forward(x, mode).mul(lossWeights).sum();
                if (betweenForwardAndBackward != null) {
                    betweenForwardAndBackward.run();
                }
                l.backward();
                loss = l.item_double();
            }
            List<Tensor> grads = new ArrayList<>();
            for (Tensor p : stack.parameters()) {
                grads.add(p.grad().defined() ? p.grad().clone() : null);
            }
            if (config.inputRequiresGrad()) {
                grads.add(x.grad().clone());
            }
            return new Pass(grads, Grad.off(() -> stack.buffers().stream().map(Tensor::clone).toList()), loss);
        });
    }

    /** Gaussian probes per sensitivity estimate (see {@link #reconstructionSensitivity}). */
    static final int SENSITIVITY_PROBES = 3;

    /**
     * A first-order bound on how far reconstruction can move stored mode's gradients, relative to
     * their size: reversible mode runs the same backward from a block input off by the
     * reconstruction error δ, so its gradient g moves by J·δ with J the Jacobian of g in the input,
     * and ‖J·δ‖ ≤ ‖J‖₂·‖δ‖₂ ≤ ‖J‖_F·‖δ‖₂.
     *
     * <p>‖J‖_F is estimated from {@link #SENSITIVITY_PROBES} stored passes on the input plus σ·z,
     * z standard normal (E‖J·σz‖² = σ²‖J‖_F²), and ‖δ‖₂ is measured, at least one rounding of the
     * input (eps·‖x‖₂). The estimate returned is the root mean square over probes of stored mode's
     * worst relative gradient change, times ‖δ‖₂/σ.
     *
     * <p>Why not one probe of random signs ±e (the gate's first model): with dropout and BatchNorm
     * over a handful of values a gradient can depend on two or three input elements, and a sign
     * probe then cancels on them with probability up to one half; the gate found a case
     * (1x2x5x3, k1, dropout 0.4) whose true error was 9.4 times such a probe's estimate.
     */
    double reconstructionSensitivity(long rngSeed, Pass stored) {
        ReversibleStack.Reconstruction reconstruction = stack.reconstruction(input);
        double eps = config.dtype().epsilon();
        double inputNorm;
        double inputMax;
        try (NativeScope scope = NativeScope.open()) {
            inputNorm = input.norm().item_double();
            inputMax = input.abs().max().item_double();
        }
        double delta = Math.max(reconstruction.normError(), eps * inputNorm);
        double sigma = Math.max(reconstruction.maxAbsError(), eps * Math.max(inputMax, 1e-300));
        double sumOfSquares = 0;
        for (int probe = 0; probe < SENSITIVITY_PROBES; probe++) {
            double change = Checks.worstGradientError(runWithPerturbedInput(rngSeed, sigma), stored);
            sumOfSquares += change * change;
        }
        return Math.sqrt(sumOfSquares / SENSITIVITY_PROBES) * delta / sigma;
    }

    /** Stored mode on the input plus σ·z, z standard normal element-wise. */
    Pass runWithPerturbedInput(long rngSeed, double sigma) {
        Tensor original = arena.run(() -> input.detach().clone());
        try (NativeScope scope = NativeScope.open()) {
            Grad.off(() -> input.add_(torch.randn(Shapes.of(input), new TensorOptions(config.dtype().scalarType())).mul(new Scalar(sigma))));
        }
        try {
            return run(Mode.STORED, rngSeed);
        } finally {
            try (NativeScope scope = NativeScope.open()) {
                Grad.off(() -> input.copy_(original));
            }
        }
    }

    void resetBuffers() {
        try (NativeScope scope = NativeScope.open()) {
            Grad.off(() -> {
                List<Tensor> buffers = stack.buffers();
                for (int i = 0; i < buffers.size(); i++) {
                    buffers.get(i).copy_(initialBuffers.get(i));
                }
                return null;
            });
        }
    }

    double inputMagnitude() {
        try (NativeScope scope = NativeScope.open()) {
            return input.abs().max().item_double();
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
