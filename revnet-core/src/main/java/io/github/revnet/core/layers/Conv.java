package io.github.revnet.core.layers;

import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.profile.FlopCount;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Tensor;

/** A bias-free 2-D convolution with "same"-style padding (k / 2), on the kernel {@link KernelRouting} chose for it on this CPU. */
public final class Conv extends Layer {
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final Conv2dImpl conv;

    public Conv(int in, int out, int kernel, int stride) {
        Check.positive("in channels", in);
        Check.positive("out channels", out);
        Check.positive("kernel size", kernel);
        Check.positive("stride", stride);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        Conv2dOptions options = new Conv2dOptions(in, out, new LongPointer(kernel, kernel));
        options.stride().put(0, stride).put(1, stride);
        options.padding().put(new LongPointer(kernel / 2, kernel / 2));
        options.bias().put(false);
        conv = addNative("conv", new Conv2dImpl(options));
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor output = KernelRouting.convolution(input, conv.weight(), stride, kernel / 2, 1);
        FlopCount.convolution(conv.weight(), output);
        return output;
    }

    @Override
    public long[] outputShape(long[] s) {
        Check.rank4("convolution input", s);
        if (s[1] != in) {
            throw new IllegalArgumentException("convolution expects " + in + " input channels, got " + s[1]);
        }
        long pad = kernel / 2;
        long h = (s[2] + 2 * pad - kernel) / stride + 1;
        long w = (s[3] + 2 * pad - kernel) / stride + 1;
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("input of " + s[2] + "x" + s[3] + " is too small for a " + kernel
                    + "x" + kernel + " convolution with stride " + stride);
        }
        return new long[] {s[0], out, h, w};
    }
}
