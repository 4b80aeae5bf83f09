package io.github.revnet.core.reversible;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Where a reversible block finds its two halves: the channels of an image tensor (RevNet), or the
 * features of a token tensor, RevViT's two streams side by side.
 */
public enum StreamLayout {
    /** (batch, channels, height, width), halved along the channels. */
    CHANNELS(1, "batch, channels, height, width"),
    /** (batch, tokens, features), halved along the features. */
    TOKENS(2, "batch, tokens, features");

    private final int axis;
    private final String dimensions;

    StreamLayout(int axis, String dimensions) {
        this.axis = axis;
        this.dimensions = dimensions;
    }

    /** The dimension that holds the two halves. */
    public int axis() {
        return axis;
    }

    public int rank() {
        return dimensions.split(", ").length;
    }

    /** "channels" or "features": what the halves are made of. */
    public String unit() {
        return dimensions.split(", ")[axis];
    }

    /** Throws IllegalArgumentException naming the shape unless it has this layout's rank and no empty dimension. */
    public void check(String what, long[] shape) {
        if (shape.length != rank()) {
            throw new IllegalArgumentException(what + " must have rank " + rank() + " (" + dimensions + "), got rank " + shape.length
                    + " with shape " + Arrays.toString(shape));
        }
        for (long s : shape) {
            if (s < 1) {
                throw new IllegalArgumentException(what + " has an empty dimension: " + Arrays.toString(shape));
            }
        }
    }

    /** {@code shape} with its halves' dimension set to {@code size}. */
    public long[] withSize(long[] shape, long size) {
        long[] s = shape.clone();
        s[axis] = size;
        return s;
    }

    /** The two halves of {@code x}, as views. */
    public Tensor[] split(Tensor x) {
        TensorVector halves = x.chunk(2, axis);
        // Contiguous copies, not strided views: F and G then see the same memory layout in the forward as in a
        // recomputation from a reconstructed (contiguous) half. A strided view runs other kernels, whose bits differ,
        // and under bfloat16 that difference breaks the exact inverse. The copies also outlive the vector.
        return new Tensor[] {halves.get(0).contiguous(), halves.get(1).contiguous()};
    }

    public Tensor join(Tensor[] halves) {
        return torch.cat(new TensorVector(halves[0], halves[1]), axis);
    }
}
