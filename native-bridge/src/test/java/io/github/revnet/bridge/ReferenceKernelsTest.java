package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ReferenceKernelsTest {
    private static final int RUNS = 60;

    /**
     * Float32 3x3 convolutions over 4 channels, forward and backward, each after freeing tensors full of NaN (as a
     * diverged step or an integer buffer's bit patterns leave the allocator's free lists): how many input gradients
     * came out non-finite.
     */
    private static int nonFiniteInputGradients() {
        Torch.seed(0);
        Conv2dOptions options = new Conv2dOptions(4, 4, new LongPointer(3, 3));
        options.padding().put(new LongPointer(1, 1));
        options.bias().put(false);
        Conv2dImpl conv = new Conv2dImpl(options);
        TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
        int nonFinite = 0;
        for (int run = 0; run < RUNS; run++) {
            try (NativeScope scope = NativeScope.open()) {
                for (int k = 0; k < 8; k++) {
                    torch.full(new long[] {1L << (10 + k)}, new Scalar(Float.NaN), f32).add_(new Scalar(1.0));
                }
                Tensor x = torch.randn(new long[] {2, 4, 4, 4}, f32).requires_grad_(true);
                conv.forward(torch.relu(x)).mul(torch.randn(new long[] {2, 4, 4, 4}, f32)).sum().backward();
                if (!torch.isfinite(x.grad()).all().item_bool()) {
                    nonFinite++;
                }
            }
        }
        return nonFinite;
    }

    @Test
    void underReferenceKernelsAConvolutionsInputGradientIsFiniteWhateverFreedMemoryHeld() {
        int withOneDnn = nonFiniteInputGradients();
        System.out.println("oneDNN on: " + withOneDnn + " of " + RUNS + " input gradients non-finite");
        try (ReferenceKernels hold = ReferenceKernels.hold()) {
            assertEquals(0, nonFiniteInputGradients(), "non-finite input gradients with oneDNN off");
        }
    }

    @Test
    void holdsNestAndTheLastCloseRestoresTheSettingTheFirstFound() {
        boolean before = ReferenceKernels.oneDnnEnabled();
        assertTrue(before, "LibTorch's default is oneDNN on");
        ReferenceKernels outer = ReferenceKernels.hold();
        ReferenceKernels inner = ReferenceKernels.hold();
        assertFalse(ReferenceKernels.oneDnnEnabled());
        inner.close();
        inner.close();
        assertFalse(ReferenceKernels.oneDnnEnabled(), "an inner close (twice) switched oneDNN back on under the outer hold");
        outer.close();
        assertEquals(before, ReferenceKernels.oneDnnEnabled());
    }
}
