package io.github.revnet.core;

import io.github.revnet.bridge.Shapes;

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
        return network(model.network(), inputShape, mode, element);
    }

    static long network(Network net, long[] input, Mode mode, int element) {
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
                long[] half = {s[0], s[1] / 2, s[2], s[3]};
                long perBlock = 0;
                for (ReversibleBlock b : stack.blocks()) {
                    perBlock = Math.max(perBlock, function(b.f(), half, element));
                    perBlock = Math.max(perBlock, function(b.g(), half, element));
                }
                long halfBytes = Shapes.numel(half) * element;
                switch (mode) {
                    case STORED -> {
                        for (ReversibleBlock b : stack.blocks()) {
                            total += function(b.f(), half, element) + function(b.g(), half, element);
                        }
                    }
                    // One function's graph plus the halves a backward step holds (y, dy, reconstructions, gradients).
                    case REVERSIBLE -> recomputation = Math.max(recomputation, perBlock + 8 * halfBytes);
                    case CHECKPOINT -> {
                        total += stack.blocks().size() * 2 * halfBytes;
                        recomputation = Math.max(recomputation, 2 * perBlock + 6 * halfBytes);
                    }
                }
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
        return 0;
    }
}
