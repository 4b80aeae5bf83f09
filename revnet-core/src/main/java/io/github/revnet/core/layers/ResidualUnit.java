package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import org.bytedeco.pytorch.Tensor;

/** A pre-activation ResNet unit: y = shortcut(x) + F(x), the shortcut a 1×1 projection when the shape changes. */
public final class ResidualUnit extends Layer {
    private final ResidualFunction f;
    private final Conv projection;

    public ResidualUnit(FunctionOptions options) {
        f = add("F", new ResidualFunction(options));
        projection = options.in() != options.out() || options.stride() != 1
                ? add("projection", new Conv(options.in(), options.out(), 1, options.stride()))
                : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor residual = f.forward(input);
        return NativeScope.call(() -> (projection == null ? input : projection.forward(input)).add(residual));
    }

    public long savedBytes(long[] in, int element) {
        return f.savedBytes(in, element);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return f.outputShape(inputShape);
    }
}
