package io.github.revnet.bridge;

import java.util.Arrays;
import org.bytedeco.pytorch.TensorBase;

/** Shape helpers that keep JavaCPP's array types out of the rest of the code. */
public final class Shapes {
    private Shapes() {
    }

    /** The tensor's sizes as a Java array. */
    public static long[] of(TensorBase tensor) {
        long[] shape = new long[(int) tensor.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = tensor.size(i);
        }
        return shape;
    }

    /** The tensor's strides as a Java array. */
    public static long[] stridesOf(TensorBase tensor) {
        long[] strides = new long[(int) tensor.dim()];
        for (int i = 0; i < strides.length; i++) {
            strides[i] = tensor.stride(i);
        }
        return strides;
    }

    public static String format(long[] shape) {
        return Arrays.toString(shape);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
