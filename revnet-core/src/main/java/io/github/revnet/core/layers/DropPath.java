package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Stochastic depth (Huang et al., 2016; "drop-path" in RevViT and timm): in training, a residual function's whole output
 * is dropped for each sample with probability {@code p} and the kept ones scaled by {@code 1 / (1 - p)}. The per-sample
 * mask comes from the thread's active {@link RandomStream}, the enclosing stack's, so a reversible backward's
 * recomputation draws the same mask and the block stays exactly invertible in the pass that drew it.
 */
public final class DropPath extends Layer {
    private final Layer inner;
    private final double p;

    public DropPath(Layer inner, double p) {
        this.inner = add("inner", java.util.Objects.requireNonNull(inner, "inner"));
        this.p = Check.probability("drop-path", p);
    }

    /** {@code function} itself where {@code p} is 0, else wrapped. */
    public static Layer around(Layer function, double p) {
        return p == 0 ? function : new DropPath(function, p);
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor output = inner.forward(input);
        if (!isTraining()) {
            return output;
        }
        try (NativeScope scope = NativeScope.open()) {
            long[] perSample = new long[(int) output.dim()];
            java.util.Arrays.fill(perSample, 1);
            perSample[0] = output.size(0);
            Tensor keep = RandomStream.bernoulliMask(torch.zeros(perSample, new TensorOptions(torch.ScalarType.Bool)), 1 - p);
            return scope.keep(output.mul(keep).mul(new Scalar(1 / (1 - p))));
        }
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return inner.outputShape(inputShape);
    }
}
