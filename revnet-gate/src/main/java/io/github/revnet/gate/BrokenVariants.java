package io.github.revnet.gate;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ForwardingCoupling;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Deliberately broken functions and couplings, for negative controls: wrap a block's F in one of
 * them (or give a stack the broken coupling) and the check that guards against the fault must fail
 * while the intact block passes. Use them to show that a gate over your own block can fail.
 */
public final class BrokenVariants {
    private BrokenVariants() {
    }

    /** A function that is not quite deterministic: every call adds {@code drift} times the number of earlier calls. */
    public static final class Drifting extends Layer {
        private final Layer inner;
        private final double drift;
        private int calls;

        public Drifting(Layer inner, double drift) {
            this.inner = add("inner", inner);
            this.drift = drift;
        }

        @Override
        public Tensor forward(Tensor input) {
            double offset = drift * calls++;
            return NativeScope.call(() -> inner.forward(input).add(new Scalar(offset)));
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /**
     * A function whose recomputation cuts its scale parameter out of the graph. Backward's
     * recomputation is recognisable by its input: a detached leaf that requires grad (in stored
     * mode F's input is a view with a graph, or needs no gradient at all).
     */
    public static final class GradientDropping extends Layer {
        private final Layer inner;
        private final Tensor scale;

        public GradientDropping(Layer inner) {
            this.inner = add("inner", inner);
            this.scale = module().register_parameter("scale", torch.ones(1));
        }

        @Override
        public Tensor forward(Tensor input) {
            boolean recomputing = Grad.isEnabled() && input.is_leaf() && input.requires_grad();
            return NativeScope.call(() -> inner.forward(input).mul(recomputing ? scale.detach() : scale));
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /**
     * The additive coupling with its output stream rounded to bfloat16 (and back to the stream's
     * dtype): what a bfloat16 policy that lets a stream through autocast, or casts it, computes. The
     * inverse then loses bfloat16's digits in every block.
     */
    public static final class StreamCasting extends ForwardingCoupling {
        public StreamCasting() {
            super(Coupling.ADDITIVE);
        }

        @Override
        public Tensor combine(Tensor x, Tensor h) {
            return NativeScope.call(() -> inner.combine(x, h).to(torch.ScalarType.BFloat16).to(x.scalar_type()));
        }

        @Override
        public Tensor[] backwardSeed(Tensor x, Tensor h, Tensor dy) {
            return new Tensor[] {combine(x, h), dy}; // the cast output is what the forward produced
        }

        @Override
        public String label() {
            return "additive (stream cast to bfloat16)";
        }
    }

    /** The affine coupling with an inverse that is off by {@code error} everywhere: exact forward, wrong reconstruction. */
    public static final class OffAffine implements Coupling {
        private final double error;

        public OffAffine(double error) {
            this.error = error;
        }

        @Override
        public Tensor combine(Tensor x, Tensor h) {
            return Coupling.AFFINE.combine(x, h);
        }

        @Override
        public Tensor uncombine(Tensor y, Tensor h) {
            return NativeScope.call(() -> Coupling.AFFINE.uncombine(y, h).add(new Scalar(error)));
        }

        @Override
        public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
            return Coupling.AFFINE.gradientThroughCombine(dy, h);
        }

        @Override
        public int functionChannels(int halfChannels) {
            return Coupling.AFFINE.functionChannels(halfChannels);
        }

        @Override
        public double inverseConditioning() {
            return Coupling.AFFINE.inverseConditioning();
        }

        @Override
        public String label() {
            return "affine-off-by-" + error;
        }
    }

    /**
     * Self-attention whose dropout on the attention probabilities draws from LibTorch's default
     * generator instead of the active random stream: its masks are not replayed when backward
     * recomputes it.
     */
    public static final class UnreplayedAttention extends Layer {
        private final TransformerOptions options;
        private final int out;
        private final LayerNormImpl norm;
        private final LinearImpl qkv;
        private final LinearImpl projection;

        public UnreplayedAttention(TransformerOptions options, int out) {
            this.options = options;
            this.out = out;
            norm = addNative("norm", new LayerNormImpl(new LayerNormOptions(new LongVector(new long[] {options.width()}))));
            qkv = addNative("qkv", new LinearImpl(options.width(), 3L * options.width()));
            projection = addNative("proj", new LinearImpl(options.width(), out));
        }

        @Override
        public Tensor forward(Tensor input) {
            long batch = input.size(0);
            long tokens = input.size(1);
            return NativeScope.call(() -> {
                Tensor packed = qkv.forward(norm.forward(input)).reshape(batch, tokens, 3, options.heads(), options.headWidth())
                        .permute(2, 0, 3, 1, 4);
                Tensor scores = packed.select(0, 0).matmul(packed.select(0, 1).transpose(-2, -1))
                        .mul(new Scalar(1 / Math.sqrt(options.headWidth())));
                Tensor probabilities = torch.dropout(scores.softmax(-1), options.attentionDropout(), true);
                Tensor merged = probabilities.matmul(packed.select(0, 2)).transpose(1, 2).reshape(batch, tokens, options.width());
                return projection.forward(merged);
            });
        }

        @Override
        public long[] outputShape(long[] s) {
            return new long[] {s[0], s[1], out};
        }
    }

    /**
     * A function followed by dropout drawn from LibTorch's default generator, as {@code torch.dropout}
     * or a scripted {@code nn.Dropout} does, instead of from the stack's stream: its masks are not
     * replayed in backward's recomputation.
     */
    public static final class UnreplayedDropout extends Layer {
        private final Layer inner;
        private final double p;

        public UnreplayedDropout(Layer inner, double p) {
            this.inner = add("inner", inner);
            this.p = p;
        }

        @Override
        public Tensor forward(Tensor input) {
            return NativeScope.call(() -> torch.dropout(inner.forward(input), p, isTraining()));
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }
}
