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
        this(config, seed, () -> ReversibleStack.of(config.blocks(), config.channels(), config.functions()));
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

    /**
     * Stored mode on the input perturbed element-wise by ±max(eps·|x|, e), where e is the
     * reconstruction error this stack actually makes: stored mode's own sensitivity to the
     * perturbation reconstruction introduces (cancellation in y2 − G(y1) can make that far more
     * than one ulp of x).
     */
    Pass runWithPerturbedInput(long rngSeed) {
        double reconstruction = stack.reconstructionError(input);
        Tensor original = arena.run(() -> input.detach().clone());
        try (NativeScope scope = NativeScope.open()) {
            Grad.off(() -> {
                Tensor signs = torch.randint(2, Shapes.of(input), new TensorOptions(config.dtype().scalarType())).mul(new Scalar(2.0))
                        .sub(new Scalar(1.0));
                Tensor magnitude = input.abs().mul(new Scalar(config.dtype().epsilon())).clamp_min(new Scalar(reconstruction));
                return input.add_(signs.mul(magnitude));
            });
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
