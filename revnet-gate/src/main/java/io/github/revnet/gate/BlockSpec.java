package io.github.revnet.gate;

import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.StreamLayout;
import java.util.Arrays;

/**
 * What a {@link BlockFactory} is asked to build: one block of a stack whose input halves have
 * {@code halfShape} (split where {@code layout} says), under {@code coupling} (F and G must map a
 * half to {@link #functionChannels()} along the split axis), with dropout {@code dropout} in its
 * random ops if it has any. {@code index} is the block's position in the stack.
 */
public record BlockSpec(long[] halfShape, StreamLayout layout, Coupling coupling, double dropout, int index) {
    public BlockSpec {
        halfShape = halfShape.clone();
    }

    @Override
    public long[] halfShape() {
        return halfShape.clone();
    }

    /** The size of one half along the split axis: channels of an image half, features of a token stream. */
    public int halfChannels() {
        return (int) halfShape[layout.axis()];
    }

    /** The size F and G must output along the split axis: the half's own for additive coupling, twice it for affine. */
    public int functionChannels() {
        return coupling.functionChannels(halfChannels());
    }

    @Override
    public String toString() {
        return "half " + Arrays.toString(halfShape) + " " + coupling.label() + (dropout > 0 ? " dropout " + dropout : "") + " block " + index;
    }
}
