package io.github.revnet.core.models;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.reversible.StreamLayout;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The non-reversible RevNet unit between stages: y1 = P(x1) + F(x2), y2 = P(x2) + G(y1), where F
 * changes stride and channels and P is a parameter-free shortcut (average pooling, zero channel
 * padding). It has the coupling's structure but no inverse, so its activations are stored.
 */
public final class RevTransition extends Layer {
    private final int in;
    private final int out;
    private final int stride;
    private final ResidualFunction f;
    private final ResidualFunction g;

    public RevTransition(int in, int out, int stride, FunctionOptions template) {
        this.in = Check.even("transition input channels", Check.positive("transition input channels", in));
        this.out = Check.even("transition output channels", Check.positive("transition output channels", out));
        this.stride = Check.positive("stride", stride);
        if (out < in) {
            throw new IllegalArgumentException("a transition may only widen: " + in + " -> " + out + " channels");
        }
        f = add("F", new ResidualFunction(template.withChannels(in / 2, out / 2, stride)));
        g = add("G", new ResidualFunction(template.withChannels(out / 2, out / 2, 1)));
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor[] x = StreamLayout.CHANNELS.split(input);
        Tensor y1 = NativeScope.call(() -> shortcut(x[0]).add(f.forward(x[1])));
        Tensor y2 = NativeScope.call(() -> shortcut(x[1]).add(g.forward(y1)));
        return StreamLayout.CHANNELS.join(new Tensor[] {y1, y2});
    }

    private Tensor shortcut(Tensor half) {
        // ceil mode: ceil(H / stride) rows, the same as the padded strided convolution in F.
        Tensor pooled = stride == 1 ? half
                : torch.avg_pool2d(half, new long[] {stride, stride}, new long[] {stride, stride}, new long[] {0, 0}, true, false,
                        new LongOptional());
        long pad = (out - in) / 2;
        return pad == 0 ? pooled : torch.constant_pad_nd(pooled, 0, 0, 0, 0, 0, pad);
    }

    /** F's and G's saved tensors; F's input is a view that keeps the whole transition input alive. */
    public long savedBytes(long[] in, int element) {
        long[] half = {in[0], in[1] / 2, in[2], in[3]};
        long[] y = f.outputShape(half);
        return f.savedBytes(half, element) + g.savedBytes(y, element) + io.github.revnet.bridge.Shapes.numel(half) * element;
    }

    @Override
    public long[] outputShape(long[] s) {
        Check.rank4("transition input", s);
        if (s[1] != in) {
            throw new IllegalArgumentException("transition expects " + in + " channels, got " + s[1]);
        }
        long[] y = f.outputShape(new long[] {s[0], in / 2, s[2], s[3]});
        return new long[] {y[0], out, y[2], y[3]};
    }

    @Override
    public String toString() {
        return "RevTransition(" + in + "->" + out + ", stride " + stride + ", shortcut " + Shapes.format(new long[] {in, out}) + ")";
    }
}
