package io.github.revnet.bridge;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.global.torch;

/** The LibTorch runtime: loads the natives once, sets threads, and reports versions and device. */
public final class Torch {
    private static volatile boolean loaded;

    private Torch() {
    }

    /** Loads LibTorch's natives (idempotent; every bridge entry point calls it). */
    public static void ensureLoaded() {
        if (!loaded) {
            synchronized (Torch.class) {
                if (!loaded) {
                    extractNatives();
                    Loader.load(torch.class);
                    // LibTorch's intra-op threads parallelize; OpenBLAS's own pool (pthreads) would run beside them and busy-wait
                    // between calls, so every small GEMM fought the intra-op threads for the cores: with both at 2 threads on 2
                    // cores a RevViT step (revvit-d8-t64, batch 8) took 730-820 ms, with OpenBLAS at 1 thread 51 ms.
                    openblas.blas_set_num_threads(1);
                    loaded = true;
                }
            }
        }
    }

    /**
     * Extracts the whole LibTorch native folder into JavaCPP's cache before anything is loaded.
     *
     * <p>Why: JavaCPP extracts and loads one library at a time, and it loads {@code libtorch.so}
     * before it has extracted {@code libtorch_cpu.so}. On a first run the dynamic linker then
     * resolves libtorch.so's dependency from the system path: with Debian's python3-torch
     * installed that is LibTorch 1.13's {@code libtorch_cpu.so}, and the JVM crashes in
     * {@code pthread_mutex_lock}. With every file already next to libtorch.so, its
     * {@code $ORIGIN} run path finds the bundled copy.
     */
    static File[] extractNatives() {
        String folder = "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
        try {
            File[] files = Loader.cacheResources(torch.class, folder);
            if (files == null || files.length == 0) {
                throw new IllegalStateException("no LibTorch natives found at " + folder + " on the class path: add"
                        + " org.bytedeco:pytorch with the classifier " + Loader.getPlatform());
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract LibTorch's natives into JavaCPP's cache (" + e.getMessage()
                    + "); set -Dorg.bytedeco.javacpp.cachedir to a writable folder", e);
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

    /** The LibTorch version these presets wrap, e.g. "2.10.0". */
    public static String libtorchVersion() {
        String presets = version("pytorch");
        if (presets == null) {
            return "unknown";
        }
        int dash = presets.indexOf('-');
        return dash > 0 ? presets.substring(0, dash) : presets;
    }

    public static String javacppVersion() {
        String version = version("javacpp");
        return version == null ? "unknown" : version;
    }

    private static String version(String artifact) {
        try {
            return Loader.getVersion("org.bytedeco", artifact);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** True when the loaded LibTorch was built with CUDA and sees a device. */
    public static boolean cudaAvailable() {
        ensureLoaded();
        try {
            return torch.cuda_is_available();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The device this harness computes on: "cuda" when available, else "cpu". */
    public static String deviceName() {
        return cudaAvailable() ? "cuda" : "cpu";
    }

    /** The CPU model as the kernel reports it, for reports. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: reported as unknown.
        }
        return "unknown";
    }

    /** One line describing the runtime, printed by commands and reports. */
    public static String describe() {
        return "LibTorch " + libtorchVersion() + " (JavaCPP " + javacppVersion() + "), device " + deviceName()
                + ", " + threads() + " intra-op threads (OpenBLAS " + blasThreads() + "), CPU " + cpuModel() + "\n"
                + CudaDevices.query().describe();
    }

    /** OpenBLAS's own thread count: 1 once LibTorch is loaded (see {@link #ensureLoaded()}). */
    public static int blasThreads() {
        ensureLoaded();
        return openblas.blas_get_num_threads();
    }
}
