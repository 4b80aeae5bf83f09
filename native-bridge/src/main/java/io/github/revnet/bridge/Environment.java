package io.github.revnet.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;

/** What the harness runs on, for people and reports: LibTorch's and JavaCPP's versions, the CPU, the CUDA runtime's facts. */
public final class Environment {
    private Environment() {
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

    /**
     * The CPU's bfloat16 units as the kernel lists them (AMX tiles, AVX-512 BF16 dot products),
     * e.g. "amx_bf16, avx512_bf16", or "none": oneDNN runs bfloat16 convolutions and matrix
     * products on them; without them it emulates bfloat16 and is usually slower than float32.
     */
    public static String bfloat16Units() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    java.util.List<String> units = java.util.Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                            .filter(f -> f.equals("amx_bf16") || f.equals("avx512_bf16")).sorted().toList();
                    return units.isEmpty() ? "none" : String.join(", ", units);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: reported as unknown.
        }
        return "unknown";
    }

    /** One line describing the runtime, printed by commands and reports. */
    public static String describe() {
        return "LibTorch " + libtorchVersion() + " (JavaCPP " + javacppVersion() + "), " + Torch.threads() + " intra-op threads (OpenBLAS "
                + Torch.blasThreads() + "), CPU " + cpuModel() + " (bfloat16 units: " + bfloat16Units() + ")";
    }

    /** What the CUDA runtime says about GPUs, one line: for --version, the report and --verbose. */
    public static String describeCuda() {
        return CudaDevices.query().describe();
    }
}
