package io.github.revnet.core.layers;

import io.github.revnet.core.Check;

/**
 * Options of a residual function F or G: a small value object with named setters, in the style of
 * LibTorch's module options. {@code kind} picks the layout; all are full pre-activation.
 */
public final class FunctionOptions {
    /** The layout of a residual function. */
    public enum Kind {
        /** Two k×k convolutions. */
        BASIC,
        /** 1×1 down to the width, k×k, 1×1 back up. */
        BOTTLENECK,
        /** A single k×k convolution: the smallest function, for fuzzing. */
        PLAIN
    }

    private Kind kind = Kind.BASIC;
    private int in;
    private int out;
    private int stride = 1;
    private int kernel = 3;
    private int width;
    private boolean batchNorm = true;
    private double dropout;

    private FunctionOptions(int in, int out) {
        this.in = Check.positive("in channels", in);
        this.out = Check.positive("out channels", out);
    }

    public static FunctionOptions of(int in, int out) {
        return new FunctionOptions(in, out);
    }

    public FunctionOptions kind(Kind value) {
        this.kind = java.util.Objects.requireNonNull(value, "kind");
        return this;
    }

    public FunctionOptions stride(int value) {
        this.stride = Check.positive("stride", value);
        return this;
    }

    public FunctionOptions kernel(int value) {
        Check.positive("kernel size", value);
        if (value % 2 == 0) {
            throw new IllegalArgumentException("kernel size must be odd so padding keeps the shape, got " + value);
        }
        this.kernel = value;
        return this;
    }

    /** Bottleneck width (the 3×3 convolution's channels); defaults to out / 4. */
    public FunctionOptions width(int value) {
        this.width = Check.positive("bottleneck width", value);
        return this;
    }

    public FunctionOptions batchNorm(boolean value) {
        this.batchNorm = value;
        return this;
    }

    public FunctionOptions dropout(double value) {
        this.dropout = Check.probability("dropout", value);
        return this;
    }

    public Kind kind() {
        return kind;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public int stride() {
        return stride;
    }

    public int kernel() {
        return kernel;
    }

    public int width() {
        return width > 0 ? width : Math.max(1, out / 4);
    }

    public boolean batchNorm() {
        return batchNorm;
    }

    public double dropout() {
        return dropout;
    }

    /** A copy with other channel counts and stride. */
    public FunctionOptions withChannels(int newIn, int newOut, int newStride) {
        FunctionOptions copy = new FunctionOptions(newIn, newOut).kind(kind).stride(newStride).kernel(kernel)
                .batchNorm(batchNorm).dropout(dropout);
        if (width > 0) {
            copy.width(width);
        }
        return copy;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + "(" + in + "->" + out + ", k=" + kernel + ", stride=" + stride
                + (kind == Kind.BOTTLENECK ? ", width=" + width() : "") + (batchNorm ? "" : ", no-bn")
                + (dropout > 0 ? ", dropout=" + dropout : "") + ")";
    }
}
