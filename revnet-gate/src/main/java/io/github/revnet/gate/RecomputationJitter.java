package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ForwardingCoupling;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Reconstruction's error, reproduced on the reference: in checkpoint mode, whose backward recomputes every block from its
 * exactly saved input, every activation a reversible backward would reconstruct (each block's two input halves, as F
 * and G and the coupling see them) gets σ·z added, z standard normal from a private generator (never the stack's
 * random stream, whose replay it must not disturb). Only after {@link #arm()}: the forward pass stays exact, as in
 * reversible mode. The sensitivity probes run on this, so a bug in the code under test (its {@code uncombine}, its
 * backward) cannot widen its own tolerance.
 */
final class RecomputationJitter {
    private double sigma;
    private Generator generator;
    private boolean armed;

    /** From the next {@link #arm()} on, activations err by σ·z from a generator seeded with {@code seed}; σ = 0 turns it off. */
    void set(double sigma, long seed) {
        this.sigma = sigma;
        this.generator = sigma == 0 ? null : torch.make_generator_cpu(seed);
        this.armed = false;
    }

    /** The forward pass is over: the recomputation that follows is jittered. */
    void arm() {
        armed = true;
    }

    private Tensor jitter(Tensor x) {
        if (!armed) {
            return x;
        }
        if (sigma == 0) {
            // The same operation as a probe's, adding nothing: the run the probes are compared with must differ from them in
            // values only, not in the graph (a function that inspects its input, is it a leaf, would otherwise see two).
            return NativeScope.call(() -> x.add(new Scalar(0)));
        }
        return NativeScope.call(() -> x.add(torch.randn(io.github.revnet.bridge.Shapes.of(x), new GeneratorOptional(generator),
                new TensorOptions(x.scalar_type())).mul(new Scalar(sigma))));
    }

    /** {@code f} receiving its input jittered. */
    Layer function(Layer f) {
        return new JitteredInput(f, this);
    }

    /** {@code c} combining a jittered carried half. */
    Coupling coupling(Coupling c) {
        return new JitteredCarry(c, this);
    }

    private static final class JitteredInput extends Layer {
        private final Layer inner;
        private final RecomputationJitter jitter;

        JitteredInput(Layer inner, RecomputationJitter jitter) {
            this.inner = add("inner", inner);
            this.jitter = jitter;
        }

        @Override
        public Tensor forward(Tensor input) {
            return inner.forward(jitter.jitter(input));
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    private static final class JitteredCarry extends ForwardingCoupling {
        private final RecomputationJitter jitter;

        JitteredCarry(Coupling inner, RecomputationJitter jitter) {
            super(inner);
            this.jitter = jitter;
        }

        @Override
        public Tensor combine(Tensor x, Tensor h) {
            return inner.combine(jitter.jitter(x), h);
        }
    }
}
