package io.github.revnet.properties;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Coupling;
import io.github.revnet.core.FunctionOptions;
import io.github.revnet.core.Layer;
import io.github.revnet.core.ResidualFunction;
import io.github.revnet.core.ReversibleBlock;
import io.github.revnet.core.ReversibleStack;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Test-only broken residual functions, for the negative controls. */
final class BrokenVariants {
    private BrokenVariants() {
    }

    /** A function that is not quite deterministic: every call adds {@code drift} times the number of earlier calls. */
    static final class Drifting extends Layer {
        private final ResidualFunction inner;
        private final double drift;
        private int calls;

        Drifting(FunctionOptions options, double drift) {
            this.inner = add("inner", new ResidualFunction(options));
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
    static final class GradientDropping extends Layer {
        private final ResidualFunction inner;
        private final Tensor scale;

        GradientDropping(FunctionOptions options) {
            this.inner = add("inner", new ResidualFunction(options));
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

    /** The affine coupling with an inverse that is off by {@code error} everywhere: exact forward, wrong reconstruction. */
    static final class OffAffine implements Coupling {
        private final double error;

        OffAffine(double error) {
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

    /** A stack of the configuration's coupling whose every F is built by {@code f} and every G is an ordinary residual function. */
    static ReversibleStack stackWithF(StackConfig c, java.util.function.Function<FunctionOptions, Layer> f) {
        int half = c.channels() / 2;
        FunctionOptions options = c.functions().withChannels(half, c.coupling().functionChannels(half), 1);
        List<ReversibleBlock> blocks = new ArrayList<>();
        for (int i = 0; i < c.blocks(); i++) {
            blocks.add(new ReversibleBlock(f.apply(options), new ResidualFunction(options), c.coupling()));
        }
        return new ReversibleStack(blocks);
    }
}
