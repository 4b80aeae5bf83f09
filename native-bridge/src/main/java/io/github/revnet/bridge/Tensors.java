package io.github.revnet.bridge;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Tensors from Java arrays: the data is copied into memory LibTorch owns. */
public final class Tensors {
    private Tensors() {
    }

    /** A float32 tensor of {@code shape} holding a copy of {@code data}. */
    public static Tensor fromFloats(float[] data, long... shape) {
        checkSize(data.length, shape);
        try (NativeScope scope = NativeScope.open()) {
            FloatPointer pointer = new FloatPointer(data);
            return scope.keep(torch.from_blob(pointer, shape, new TensorOptions(torch.ScalarType.Float)).clone());
        }
    }

    /** An int64 tensor of {@code shape} holding a copy of {@code data}. */
    public static Tensor fromLongs(long[] data, long... shape) {
        checkSize(data.length, shape);
        try (NativeScope scope = NativeScope.open()) {
            LongPointer pointer = new LongPointer(data);
            return scope.keep(torch.from_blob(pointer, shape, new TensorOptions(torch.ScalarType.Long)).clone());
        }
    }

    private static void checkSize(int length, long[] shape) {
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException("shape " + Shapes.format(shape) + " holds " + Shapes.numel(shape) + " elements, data has "
                    + length);
        }
    }
}
