package io.github.revnet.core.kernels;

import io.github.revnet.core.Check;
import org.bytedeco.pytorch.Tensor;

/**
 * One convolution as a kernel sees it: input {@code [batch, in, height, width]}, a square {@code kernel}, stride,
 * zero padding and groups. Two convolutions of one shape reach the same kernel, so an audit of one vouches for both.
 */
public record ConvShape(long batch, long in, long out, int kernel, int stride, int padding, int groups, long height, long width) {
    public ConvShape {
        Check.positive("batch", (int) Math.min(batch, Integer.MAX_VALUE));
        Check.positive("in channels", (int) in);
        Check.positive("out channels", (int) out);
        Check.positive("kernel size", kernel);
        Check.positive("stride", stride);
        Check.positive("groups", groups);
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        }
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("channels " + in + " -> " + out + " do not divide into " + groups + " groups");
        }
        if ((height + 2L * padding - kernel) / stride + 1 < 1 || (width + 2L * padding - kernel) / stride + 1 < 1
                || height + 2L * padding < kernel || width + 2L * padding < kernel) {
            throw new IllegalArgumentException("input of " + height + "x" + width + " is too small for a " + kernel + "x" + kernel
                    + " convolution with stride " + stride + " and padding " + padding);
        }
    }

    /** The shape of the convolution of {@code input} with {@code weight} ({@code [out, in / groups, k, k]}). */
    public static ConvShape of(Tensor input, Tensor weight, int stride, int padding, int groups) {
        return new ConvShape(input.size(0), input.size(1), weight.size(0), (int) weight.size(2), stride, padding, groups,
                input.size(2), input.size(3));
    }

    public long outHeight() {
        return (height + 2L * padding - kernel) / stride + 1;
    }

    public long outWidth() {
        return (width + 2L * padding - kernel) / stride + 1;
    }

    public long[] inputShape() {
        return new long[] {batch, in, height, width};
    }

    public long[] weightShape() {
        return new long[] {out, in / groups, kernel, kernel};
    }

    public long[] outputShape() {
        return new long[] {batch, out, outHeight(), outWidth()};
    }

    /** Terms in each output element's sum. */
    public long forwardTerms() {
        return in / groups * kernel * kernel;
    }

    /** Terms in each input-gradient element's sum (at most: fewer at the borders and between strides). */
    public long inputGradientTerms() {
        return out / groups * kernel * kernel;
    }

    /** Terms in each weight-gradient element's sum over {@code samples} samples of the batch. */
    public long weightGradientTerms(long samples) {
        return samples * outHeight() * outWidth();
    }

    /** E.g. "3x3 conv 24->24, 16x16, batch 4" (stride, padding and groups where they are not 1, k/2 and 1). */
    public String describe() {
        StringBuilder s = new StringBuilder().append(kernel).append('x').append(kernel).append(" conv ").append(in).append("->").append(out);
        if (stride != 1) {
            s.append(" stride ").append(stride);
        }
        if (padding != kernel / 2) {
            s.append(" pad ").append(padding);
        }
        if (groups != 1) {
            s.append(" groups ").append(groups);
        }
        return s.append(", ").append(height).append('x').append(width).append(", batch ").append(batch).toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
