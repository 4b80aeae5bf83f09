package io.github.revnet.bridge;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.global.torch;

/** The LibTorch runtime: loads the natives once, sets threads, seeds, and says whether CUDA is there. */
public final class Torch {
    private static volatile boolean loaded;

    private Torch() {
    }

    /** Loads LibTorch's natives (idempotent; every bridge entry point calls it). */
    public static void ensureLoaded() {
        if (!loaded) {
            synchronized (Torch.class) {
                if (!loaded) {
                    FirstLoad.prepare();
                    Loader.load(torch.class);
                    // LibTorch's intra-op threads parallelize; OpenBLAS's own pool (pthreads) would run beside them and busy-wait
                    // between calls, so every small GEMM fought the intra-op threads for the cores: with both at 2 threads on 2
                    // cores a RevViT step (revvit-d8-t64, batch 8) took 730-820 ms, with OpenBLAS at 1 thread 51 ms.
                    openblas.blas_set_num_threads(1);
                    // NNPACK is LibTorch's fallback for batched float32 convolutions where oneDNN is off; on the CPUs this
                    // runs on it does not initialise and says so on standard error at every such call ("Could not
                    // initialize NNPACK! Reason: Unsupported hardware."). Convolutions are routed by the harness instead.
                    torch.globalContext().setUserEnabledNNPACK(false);
                    loaded = true;
                }
            }
        }
    }

    /** Sets LibTorch's intra-op thread count. */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        ensureLoaded();
        torch.set_num_threads(threads);
    }

    public static int threads() {
        ensureLoaded();
        return torch.get_num_threads();
    }

    /** Seeds LibTorch's default generators (CPU, and CUDA when present). */
    public static void seed(long seed) {
        ensureLoaded();
        torch.manual_seed(seed);
    }

    private static volatile Boolean simulatedCuda;

    /**
     * Makes {@link #cudaAvailable} answer {@code available} (null: ask LibTorch again), so a test
     * can show how code behaves on a GPU machine without one.
     */
    public static void simulateCudaAvailable(Boolean available) {
        simulatedCuda = available;
    }

    /** True when the loaded LibTorch was built with CUDA and sees a device. */
    public static boolean cudaAvailable() {
        Boolean simulated = simulatedCuda;
        if (simulated != null) {
            return simulated;
        }
        ensureLoaded();
        try {
            return torch.cuda_is_available();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** OpenBLAS's own thread count: 1 once LibTorch is loaded (see {@link #ensureLoaded()}). */
    public static int blasThreads() {
        ensureLoaded();
        return openblas.blas_get_num_threads();
    }
}
