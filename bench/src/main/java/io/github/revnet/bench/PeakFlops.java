package io.github.revnet.bench;

import io.github.revnet.bridge.Environment;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Precision;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The machine's arithmetic limit as LibTorch reaches it: the best rate of a square matrix product
 * ({@link #SIZE} × {@link #SIZE}, the densest kernel a CPU runs) over {@link #REPETITIONS}
 * repetitions of {@link #PRODUCTS} products, in float32 and, where the CPU has bfloat16 units, in
 * bfloat16, on the run's threads. A model's step reaches a fraction of it: convolutions over few
 * channels, element-wise work and memory traffic cost time without adding FLOPs.
 *
 * @param float32 GFLOP/s in float32
 * @param bfloat16 GFLOP/s in bfloat16, or null on a CPU without bfloat16 units (LibTorch emulates it there)
 * @param threads the intra-op threads it ran on
 */
public record PeakFlops(double float32, Double bfloat16, int threads) {
    static final int SIZE = 1024;
    static final int PRODUCTS = 16;
    static final int REPETITIONS = 5;

    /** Measures both rates on {@code threads} threads. */
    public static PeakFlops measure(int threads) {
        Torch.setThreads(threads);
        double f32 = rate(torch.ScalarType.Float);
        Double bf16 = Environment.bfloat16Units().equals("none") ? null : rate(torch.ScalarType.BFloat16);
        return new PeakFlops(f32, bf16, threads);
    }

    /** The limit a step under {@code precision} is held to: bfloat16's where F and G run in it and the CPU has the units. */
    public double gflopsFor(Precision precision) {
        return precision != Precision.FP32 && bfloat16 != null ? bfloat16 : float32;
    }

    private static double rate(torch.ScalarType type) {
        double best = 0;
        try (NativeScope scope = NativeScope.open()) {
            TensorOptions options = new TensorOptions(type);
            Tensor a = torch.randn(new long[] {SIZE, SIZE}, options);
            Tensor b = torch.randn(new long[] {SIZE, SIZE}, options);
            Tensor out = torch.zeros(new long[] {SIZE, SIZE}, options);
            torch.mm_out(out, a, b); // warm-up: the first product pays for packing buffers and thread start
            for (int r = 0; r < REPETITIONS; r++) {
                long start = System.nanoTime();
                for (int p = 0; p < PRODUCTS; p++) {
                    torch.mm_out(out, a, b);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, 2.0 * SIZE * SIZE * SIZE * PRODUCTS / seconds / 1e9);
            }
        }
        return best;
    }
}
