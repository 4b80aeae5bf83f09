package example;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.Dropout;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A residual function for a reversible block: BatchNorm → ReLU → depthwise 3x3 convolution →
 * dropout → pointwise 1x1 convolution to {@code out} channels (the half's own count for the
 * additive coupling, twice it for the affine one).
 */
public final class DepthwiseSeparable extends Layer {
    private final int channels;
    private final int out;
    private final double dropout;
    private final boolean broken;
    private final BatchNorm2dImpl norm;
    private final Conv2dImpl depthwise;
    private final Conv2dImpl pointwise;

    public DepthwiseSeparable(int channels, int out, double dropout, boolean broken) {
        if (channels < 1 || out < 1) {
            throw new IllegalArgumentException("channels must be positive, got " + channels + " in, " + out + " out");
        }
        this.channels = channels;
        this.out = out;
        this.dropout = dropout;
        this.broken = broken;
        norm = addNative("norm", new BatchNorm2dImpl(new BatchNormOptions(channels)));
        Conv2dOptions dw = new Conv2dOptions(channels, channels, new LongPointer(3L, 3L));
        dw.padding().put(new LongPointer(1L, 1L));
        dw.groups().put(channels);
        depthwise = addNative("depthwise", new Conv2dImpl(dw));
        pointwise = addNative("pointwise", new Conv2dImpl(new Conv2dOptions(channels, out, new LongPointer(1L, 1L))));
    }

    @Override
    public Tensor forward(Tensor input) {
        return NativeScope.call(() -> {
            Tensor h = depthwise.forward(torch.relu(norm.forward(input)));
            // Random ops must draw from the enclosing stack's stream (Dropout.apply does), so that backward's
            // recomputation replays the masks. The documented bug draws from LibTorch's default generator instead.
            h = broken ? torch.dropout(h, dropout, isTraining()) : Dropout.apply(h, dropout, isTraining());
            return pointwise.forward(h);
        });
    }

    @Override
    public long[] outputShape(long[] s) {
        if (s.length != 4 || s[1] != channels) {
            throw new IllegalArgumentException("expects (N, " + channels + ", H, W), got " + java.util.Arrays.toString(s));
        }
        return new long[] {s[0], out, s[2], s[3]};
    }
}
