package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/** A residual function (F or G) built from {@link FunctionOptions}: a chain of pre-activation convolutions. */
public final class ResidualFunction extends Layer {
    private final FunctionOptions options;
    private final List<PreActConv> convs = new ArrayList<>();

    public ResidualFunction(FunctionOptions o) {
        this.options = o;
        switch (o.kind()) {
            case BASIC -> {
                conv(o.in(), o.out(), o.kernel(), o.stride(), o);
                conv(o.out(), o.out(), o.kernel(), 1, o);
            }
            case BOTTLENECK -> {
                conv(o.in(), o.width(), 1, 1, o);
                conv(o.width(), o.width(), o.kernel(), o.stride(), o);
                conv(o.width(), o.out(), 1, 1, o);
            }
            case PLAIN -> conv(o.in(), o.out(), o.kernel(), o.stride(), o);
            default -> throw new IllegalArgumentException("unknown kind " + o.kind());
        }
    }

    private void conv(int in, int out, int kernel, int stride, FunctionOptions o) {
        convs.add(add("c" + convs.size(), new PreActConv(in, out, kernel, stride, o.batchNorm(), o.dropout())));
    }

    public FunctionOptions options() {
        return options;
    }

    @Override
    public Tensor forward(Tensor input) {
        return NativeScope.chain(input, convs.stream().<UnaryOperator<Tensor>>map(c -> c::forward).toList());
    }

    public long savedBytes(long[] in, int element) {
        long bytes = 0;
        long[] s = in;
        for (PreActConv c : convs) {
            bytes += c.savedBytes(s, element);
            s = c.outputShape(s);
        }
        return bytes;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = inputShape;
        for (PreActConv c : convs) {
            s = c.outputShape(s);
        }
        return s;
    }
}
