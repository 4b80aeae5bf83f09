package io.github.revnet.core.layers;

import io.github.revnet.core.profile.FlopCount;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.KernelRouting;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;

/** A fully connected layer with bias: the classifier. */
public final class Dense extends Layer {
    private final int in;
    private final int out;
    private final LinearImpl linear;

    public Dense(int in, int out) {
        this.in = Check.positive("in features", in);
        this.out = Check.positive("out features", out);
        linear = addNative("linear", new LinearImpl(in, out));
    }

    @Override
    public Tensor forward(Tensor input) {
        FlopCount.linear(input, linear.weight().size(0));
        KernelRouting.requireLinear(input, linear.weight());
        return linear.forward(input);
    }

    @Override
    public long[] outputShape(long[] s) {
        if (s.length != 2 || s[1] != in) {
            throw new IllegalArgumentException("classifier expects (batch, " + in + ") input, got " + java.util.Arrays.toString(s));
        }
        return new long[] {s[0], out};
    }
}
