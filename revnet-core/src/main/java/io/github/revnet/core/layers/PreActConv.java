package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Full pre-activation (He et al., 2016): BN → ReLU → [dropout] → conv. Dropout draws from the active {@link io.github.revnet.bridge.RandomStream}. */
public final class PreActConv extends Layer {
    private final BatchNorm norm;
    private final double dropout;
    private final Conv conv;

    public PreActConv(int in, int out, int kernel, int stride, boolean batchNorm, double dropout) {
        this.norm = batchNorm ? add("norm", new BatchNorm(in)) : null;
        this.dropout = Check.probability("dropout", dropout);
        this.conv = add("conv", new Conv(in, out, kernel, stride));
    }

    @Override
    public Tensor forward(Tensor input) {
        List<UnaryOperator<Tensor>> steps = new ArrayList<>(4);
        if (norm != null) {
            steps.add(norm::forward);
        }
        steps.add(torch::relu);
        if (dropout > 0) {
            steps.add(x -> Dropout.apply(x, dropout, isTraining()));
        }
        steps.add(conv::forward);
        return NativeScope.chain(input, steps);
    }

    /** Bytes autograd saves: BN input, ReLU output (the convolution's input), dropout's mask and output. */
    long savedBytes(long[] in, int element) {
        long n = io.github.revnet.bridge.Shapes.numel(in);
        long bytes = (norm != null ? n * element : 0) + n * element;
        if (dropout > 0) {
            bytes += n + n * element;
        }
        return bytes;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return conv.outputShape(norm == null ? inputShape : norm.outputShape(inputShape));
    }
}
