package io.github.revnet.core.layers;

import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A bias-free 2-D convolution with "same"-style padding (k / 2). */
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

    /**
     * In LibTorch 2.10, oneDNN's bfloat16 3x3 convolution over a channel count that is not a multiple of 16, given its
     * input in the default (NCHW) layout, reads padding it never wrote: 56 channels gave NaN in 10 of 10 runs after
     * NaN-filled memory was freed, and revnet-38 (56-channel halves) NaN logits on its first bf16 forward. Handed
     * channels-last input it computes correctly (0 of 10), so under bfloat16 autocast such inputs go in channels-last.
     */
    @Override
    public Tensor forward(Tensor input) {
        if (in % 16 != 0 && Autocast.current().equals(Autocast.BFLOAT16)) {
            return NativeScope.call(() -> conv.forward(input.contiguous(torch.MemoryFormat.ChannelsLast)));
        }
        return conv.forward(input);
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
