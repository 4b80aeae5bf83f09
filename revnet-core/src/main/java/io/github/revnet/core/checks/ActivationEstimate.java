package io.github.revnet.core.checks;

import io.github.revnet.bridge.Shapes;
import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.layers.FeedForward;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.layers.ResidualUnit;
import io.github.revnet.core.layers.SelfAttention;
import io.github.revnet.core.layers.TransformerUnit;
import io.github.revnet.core.models.ConvNetwork;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.RevTransition;
import io.github.revnet.core.models.VisionTransformer;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import io.github.revnet.core.reversible.StreamLayout;

/**
 * An analytical estimate of a model's activation memory from shapes alone: the bytes autograd
 * saves for backward (BatchNorm inputs, ReLU outputs, dropout masks, pooling indices), plus, for
 * reconstruction-based modes, the recomputation tensors of one block's recomputation. It exists so a
 * reader can see that the measured figures are plausible; it is never reported as a measurement.
 */
public final class ActivationEstimate {
    private ActivationEstimate() {
    }

    /** Estimated activation bytes of one forward/backward of {@code model} on {@code inputShape} in {@code mode}. */
    public static long bytes(Model model, long[] inputShape, Mode mode) {
        int element = model.dtype() == DType.FLOAT64 ? 8 : 4;
        if (model.network() instanceof VisionTransformer vit) {
            return transformer(vit, inputShape, mode, element);
        }
        return network((ConvNetwork) model.network(), inputShape, mode, element);
    }

    /** Patch embedding input, the blocks, the final LayerNorm's input and the pooled features. */
    static long transformer(VisionTransformer vit, long[] input, Mode mode, int element) {
        long[] tokens = vit.tokenShape(input[0]);
        long width = vit.shape().width();
        long total = io.github.revnet.bridge.Shapes.numel(input) * element;
        long recomputation = 0;
        for (ReversibleStack stack : vit.reversibleStacks()) {
            long[] both = stack(stack, tokens, mode, element);
            total += both[0];
            recomputation = both[1];
        }
        for (TransformerUnit unit : vit.units()) {
            total += unit.savedBytes(tokens, element);
        }
        return total + recomputation + tokens[0] * tokens[1] * width * element + tokens[0] * width * element;
    }

    /**
     * A reversible stack's activation bytes on an input of {@code s}: what stays saved for the whole
     * backward, and the transient peak of one block's recomputation.
     */
    static long[] stack(ReversibleStack stack, long[] s, Mode mode, int element) {
        StreamLayout layout = stack.layout();
        long[] half = layout.withSize(s, s[layout.axis()] / 2);
        long perBlock = 0;
        for (ReversibleBlock b : stack.blocks()) {
            perBlock = Math.max(perBlock, function(b.f(), half, element));
            perBlock = Math.max(perBlock, function(b.g(), half, element));
        }
        long halfBytes = Shapes.numel(half) * element;
        return switch (mode) {
            case STORED -> new long[] {stack.blocks().stream().mapToLong(b -> function(b.f(), half, element) + function(b.g(), half, element))
                    .sum(), 0};
            // One function's graph plus the halves a backward step holds (y, dy, reconstructions, gradients).
            case REVERSIBLE -> new long[] {0, perBlock + 8 * halfBytes};
            case CHECKPOINT -> new long[] {stack.blocks().size() * 2 * halfBytes, 2 * perBlock + 6 * halfBytes};
        };
    }

    static long network(ConvNetwork net, long[] input, Mode mode, int element) {
        long total = 0;
        long[] s = net.stemOutputShape(input);
        if (net.hasStemPool()) {
            long[] pooled = {s[0], s[1], (s[2] - 1) / 2 + 1, (s[3] - 1) / 2 + 1};
            total += Shapes.numel(s) * element + Shapes.numel(pooled) * 8; // input and int64 indices
            s = pooled;
        }
        long recomputation = 0;
        for (Layer unit : net.units()) {
            if (unit instanceof ReversibleStack stack) {
                long[] both = stack(stack, s, mode, element);
                total += both[0];
                recomputation = Math.max(recomputation, both[1]);
            } else if (unit instanceof RevTransition t) {
                total += t.savedBytes(s, element);
            } else if (unit instanceof ResidualUnit r) {
                total += r.savedBytes(s, element);
            }
            s = unit.outputShape(s);
        }
        long head = 2 * Shapes.numel(s) * element + s[0] * s[1] * element; // final BN input, ReLU output, pooled features
        return total + head + recomputation;
    }

    /** Bytes a residual function saves for an input of {@code shape}. */
    static long function(Layer f, long[] shape, int element) {
        if (f instanceof ResidualFunction r) {
            return r.savedBytes(shape, element);
        }
        if (f instanceof SelfAttention a) {
            return a.savedBytes(shape, element);
        }
        if (f instanceof FeedForward m) {
            return m.savedBytes(shape, element);
        }
        return 0;
    }
}
