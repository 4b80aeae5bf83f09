package io.github.revnet.core.layers;

import io.github.revnet.core.profile.FlopCount;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.checks.ActivationEstimate;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** G of a reversible transformer block: LayerNorm → Linear (width → ratio·width) → GELU → dropout → Linear → dropout. */
public final class FeedForward extends Layer {
    private final TransformerOptions options;
    private final int out;
    private final LayerNormImpl norm;
    private final LinearImpl expand;
    private final LinearImpl contract;

    /** An MLP that maps back to the stream width. */
    public FeedForward(TransformerOptions options) {
        this(options, options.width());
    }

    /** An MLP that outputs {@code out} features (twice the width for an affine coupling's scale and shift). */
    public FeedForward(TransformerOptions options, int out) {
        this.options = java.util.Objects.requireNonNull(options, "options");
        this.out = Check.positive("MLP output features", out);
        int width = options.width();
        long hidden = (long) width * options.mlpRatio();
        norm = addNative("norm", new LayerNormImpl(new LayerNormOptions(new LongVector(new long[] {width}))));
        expand = addNative("fc1", new LinearImpl(width, hidden));
        contract = addNative("fc2", new LinearImpl(hidden, out));
    }

    @Override
    public Tensor forward(Tensor input) {
        double p = options.dropout();
        return NativeScope.chain(input, List.<UnaryOperator<Tensor>>of(
                norm::forward,
                x -> {
                    FlopCount.linear(x, expand.weight().size(0));
                    KernelRouting.requireLinear(x, expand.weight());
                    return expand.forward(x);
                },
                torch::gelu,
                x -> Dropout.apply(x, p, isTraining()),
                x -> {
                    FlopCount.linear(x, contract.weight().size(0));
                    KernelRouting.requireLinear(x, contract.weight());
                    return contract.forward(x);
                },
                x -> Dropout.apply(x, p, isTraining())));
    }

    /** Bytes autograd saves for an input of {@code s}: see {@link ActivationEstimate}. */
    public long savedBytes(long[] s, int element) {
        long tokens = s[0] * s[1];
        long width = options.width();
        long hidden = width * options.mlpRatio();
        long dropout = options.dropout() > 0 ? tokens * (hidden + out) * (1L + element) : 0;
        // LayerNorm input, fc1 input, GELU input, fc2 input
        return tokens * element * (2 * width + 2 * hidden) + dropout;
    }

    @Override
    public long[] outputShape(long[] s) {
        TokenShapes.require("MLP input", s, options.width());
        return new long[] {s[0], s[1], out};
    }
}
