package io.github.revnet.bridge;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * Device facts from the CUDA runtime through the JavaCPP CUDA presets: runtime and driver
 * versions, and every device's name, compute capability, total and free memory
 * ({@code cudaMemGetInfo}). On a machine without a usable GPU it never throws: the facts carry
 * the CUDA error by name ({@code cudaErrorNoDevice}, {@code cudaErrorInsufficientDriver}, ...) or
 * why the runtime could not be loaded, and callers fall back to the CPU path.
 */
public final class CudaDevices {
    private CudaDevices() {
    }

    /** One GPU. */
    public record Device(int index, String name, int major, int minor, long totalBytes, long freeBytes) {
    }

    /** What the runtime said; {@code problem} is null exactly when at least one device was found. */
    public record Facts(int runtimeVersion, int driverVersion, List<Device> devices, String problem) {
        public boolean available() {
            return problem == null;
        }

        /** One line for --version and the report's environment. */
        public String describe() {
            String versions = "CUDA runtime " + version(runtimeVersion) + ", driver " + (driverVersion == 0 ? "none" : version(driverVersion));
            if (!available()) {
                return versions + ": no GPU (" + problem + "), computing on the CPU";
            }
            StringBuilder sb = new StringBuilder(versions + ": ");
            for (Device d : devices) {
                sb.append(String.format("%s#%d %s (sm_%d%d), %.1f GiB total, %.1f GiB free", d.index() == 0 ? "" : "; ", d.index(), d.name(),
                        d.major(), d.minor(), d.totalBytes() / 1073741824.0, d.freeBytes() / 1073741824.0));
            }
            return sb.toString();
        }

        private static String version(int v) {
            return v <= 0 ? "unknown" : (v / 1000) + "." + (v % 1000) / 10;
        }
    }

    private static Facts cached;

    /** Queries the runtime once per process (loading it is the slow part); later calls return the same facts. */
    public static synchronized Facts query() {
        if (cached == null) {
            cached = load();
        }
        return cached;
    }

    private static Facts load() {
        try {
            Loader.load(cudart.class);
        } catch (Throwable e) { // UnsatisfiedLinkError or NoClassDefFoundError: no CUDA runtime library on this machine
            return new Facts(0, 0, List.of(), "CUDA runtime not loadable: " + rootCause(e));
        }
        int[] runtime = {0};
        int[] driver = {0};
        int[] count = {0};
        cudart.cudaRuntimeGetVersion(runtime);
        cudart.cudaDriverGetVersion(driver);
        int status = cudart.cudaGetDeviceCount(count);
        if (status != cudart.cudaSuccess) {
            return new Facts(runtime[0], driver[0], List.of(), errorName(status));
        }
        if (count[0] == 0) {
            return new Facts(runtime[0], driver[0], List.of(), "cudaGetDeviceCount found 0 devices");
        }
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            try (cudaDeviceProp prop = new cudaDeviceProp(); SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
                int s = cudart.cudaGetDeviceProperties(prop, i);
                if (s != cudart.cudaSuccess) {
                    return new Facts(runtime[0], driver[0], devices, "cudaGetDeviceProperties(" + i + "): " + errorName(s));
                }
                s = cudart.cudaSetDevice(i);
                s = s == cudart.cudaSuccess ? cudart.cudaMemGetInfo(free, total) : s;
                if (s != cudart.cudaSuccess) {
                    return new Facts(runtime[0], driver[0], devices, "cudaMemGetInfo on device " + i + ": " + errorName(s));
                }
                devices.add(new Device(i, prop.name().getString(), prop.major(), prop.minor(), total.get(), free.get()));
            }
        }
        cudart.cudaSetDevice(0);
        return new Facts(runtime[0], driver[0], List.copyOf(devices), null);
    }

    /** Free and total bytes of the current device, as cudaMemGetInfo reports them (the whole device, all processes). */
    public static long[] memoryInfo() {
        if (!query().available()) {
            throw new IllegalStateException("no CUDA device: " + query().problem());
        }
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            int s = cudart.cudaMemGetInfo(free, total);
            if (s != cudart.cudaSuccess) {
                throw new IllegalStateException("cudaMemGetInfo failed: " + errorName(s));
            }
            return new long[] {free.get(), total.get()};
        }
    }

    /** The CUDA error's name, e.g. "cudaErrorNoDevice (100)". */
    static String errorName(int status) {
        try {
            return cudart.cudaGetErrorName(status).getString() + " (" + status + ")";
        } catch (Throwable e) {
            return "CUDA error " + status;
        }
    }

    /** JavaCPP reports the last of its attempts; the first one (extracting the library from the jar) names the missing dependency. */
    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        for (Throwable s : e.getSuppressed()) {
            root = s;
        }
        String message = firstLine(root);
        java.util.regex.Matcher missing = java.util.regex.Pattern.compile("(lib[\\w.+-]+\\.so[\\w.]*): cannot open shared object file").matcher(
                message);
        return missing.find() ? missing.group(1) + " not found" + (missing.group(1).startsWith("libcuda.so")
                ? " (no NVIDIA driver on this machine)" : "") : message;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** Prints the facts: {@code java -cp ... io.github.revnet.bridge.CudaDevices}. */
    public static void main(String[] args) {
        System.out.println(query().describe());
    }
}
