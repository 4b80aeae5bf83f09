package io.github.revnet.bench;

import io.github.revnet.bridge.Environment;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Precision;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine's arithmetic limit as LibTorch reaches it: the best rate of its densest kernels, a
 * square matrix product ({@link #SIZE} × {@link #SIZE}) and a 3 × 3 convolution of
 * {@link #CONV_CHANNELS} channels over a batch of {@link #CONV_BATCH} {@link #CONV_SIDE} ×
 * {@link #CONV_SIDE} images ("same" padding), each over {@link #REPETITIONS} repetitions of
 * {@link #PRODUCTS} calls, in float32 and, where the CPU has bfloat16 units, in bfloat16, on the
 * run's threads. Both kernels, since each is the faster one somewhere: here LibTorch's matrix
 * product goes to OpenBLAS on one thread while oneDNN's convolutions use every intra-op thread, and
 * a 1024 × 1024 product alone (99.7 GFLOP/s on 2 EPYC cores) put ResNet-110's stored step at 138 %
 * of it. A model's step reaches a fraction of the limit: convolutions over few channels,
 * element-wise work and memory traffic cost time without adding FLOPs.
 *
 * @param float32 GFLOP/s in float32
 * @param bfloat16 GFLOP/s in bfloat16, or null on a CPU without bfloat16 units (LibTorch emulates it there)
 * @param threads the intra-op threads it ran on
 */
public record PeakFlops(double float32, Double bfloat16, int threads) {
    static final int SIZE = 1024;
    static final int PRODUCTS = 16;
    static final int REPETITIONS = 5;
    static final int CONV_BATCH = 32;
    static final int CONV_CHANNELS = 128;
    static final int CONV_SIDE = 16;

    /** Measures both rates on {@code threads} threads. */
    public static PeakFlops measure(int threads) {
        Torch.setThreads(threads);
        double f32 = rate(torch.ScalarType.Float);
        Double bf16 = Environment.bfloat16Units().equals("none") ? null : rate(torch.ScalarType.BFloat16);
        return new PeakFlops(f32, bf16, threads);
    }

    /** The limit a step under {@code precision} is held to: bfloat16's where F and G run in it and the CPU has the units. */
    public double gflopsFor(Precision precision) {
        return heldToBfloat16(precision) ? bfloat16 : float32;
    }

    /** "bfloat16" or "float32": the format whose limit {@link #gflopsFor} gives for {@code precision}. */
    public String formatFor(Precision precision) {
        return heldToBfloat16(precision) ? "bfloat16" : "float32";
    }

    private boolean heldToBfloat16(Precision precision) {
        return precision != Precision.FP32 && bfloat16 != null;
    }

    private static double rate(torch.ScalarType type) {
        return Math.max(matrixProductRate(type), convolutionRate(type));
    }

    private static double matrixProductRate(torch.ScalarType type) {
        try (NativeScope scope = NativeScope.open()) {
            TensorOptions options = new TensorOptions(type);
            Tensor a = torch.randn(new long[] {SIZE, SIZE}, options);
            Tensor b = torch.randn(new long[] {SIZE, SIZE}, options);
            Tensor out = torch.zeros(new long[] {SIZE, SIZE}, options);
            return best(2.0 * SIZE * SIZE * SIZE, () -> torch.mm_out(out, a, b));
        }
    }

    private static double convolutionRate(torch.ScalarType type) {
        try (NativeScope scope = NativeScope.open()) {
            TensorOptions options = new TensorOptions(type);
            Tensor x = torch.randn(new long[] {CONV_BATCH, CONV_CHANNELS, CONV_SIDE, CONV_SIDE}, options);
            Tensor w = torch.randn(new long[] {CONV_CHANNELS, CONV_CHANNELS, 3, 3}, options);
            double flops = 2.0 * CONV_BATCH * CONV_SIDE * CONV_SIDE * CONV_CHANNELS * CONV_CHANNELS * 9;
            return best(flops, () -> {
                try (NativeScope call = NativeScope.open()) {
                    torch.conv2d(x, w, new TensorOptional(), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1);
                }
            });
        }
    }

    /** The best rate of {@link #REPETITIONS} repetitions of {@link #PRODUCTS} calls of {@code kernel}, after one call to warm up. */
    private static double best(double flopsPerCall, Runnable kernel) {
        kernel.run(); // the first call pays for packing buffers, primitive creation and thread start
        double best = 0;
        for (int r = 0; r < REPETITIONS; r++) {
            long start = System.nanoTime();
            for (int p = 0; p < PRODUCTS; p++) {
                kernel.run();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, flopsPerCall * PRODUCTS / seconds / 1e9);
        }
        return best;
    }
}
