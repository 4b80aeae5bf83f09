package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import org.bytedeco.pytorch.Tensor;

/** An ordinary pre-norm transformer block, the reference a reversible one is measured against: x + Attention(x), then + MLP. */
public final class TransformerUnit extends Layer {
    private final SelfAttention attention;
    private final FeedForward mlp;
    private final int width;

    public TransformerUnit(TransformerOptions options) {
        this.width = options.width();
        this.attention = add("attention", new SelfAttention(options));
        this.mlp = add("mlp", new FeedForward(options));
    }

    @Override
    public Tensor forward(Tensor input) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor h = input.add(attention.forward(input));
            return scope.keep(h.add(mlp.forward(h)));
        }
    }

    public long savedBytes(long[] s, int element) {
        return attention.savedBytes(s, element) + mlp.savedBytes(s, element);
    }

    @Override
    public long[] outputShape(long[] s) {
        TokenShapes.require("transformer block input", s, width);
        return s.clone();
    }
}
