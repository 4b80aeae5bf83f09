package io.github.revnet.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.bytedeco.pytorch.cuda.DeviceAllocator;
import org.bytedeco.pytorch.cuda.DeviceStats;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * Measures the peak memory used by a region of work, above what was in use when it began.
 *
 * <p>On CPU, in a process started with the {@link MallocCounter} preloaded (the report's and the
 * planner's probes are), it reads the peak of malloc'd live bytes. Otherwise it reads the
 * process's resident-set high-water mark ({@code VmHWM}), reset at the start of the region through
 * {@code /proc/self/clear_refs}. That only tracks tensors when the allocator
 * hands freed memory back to the OS at once, which glibc does with a fixed
 * {@code MALLOC_MMAP_THRESHOLD_} (every large block is its own mapping, unmapped on free). Those
 * settings slow allocation down, so memory is measured in processes of its own, never in timing
 * runs; {@link #cpuSettingsInEffect()} says whether this process has them.
 *
 * <p>On CUDA it reads the caching allocator's peak of allocated bytes.
 */
public final class MemoryMeter {
    /** The environment variable that makes process-level peaks track tensor memory on glibc. */
    public static final String MMAP_THRESHOLD_VARIABLE = "MALLOC_MMAP_THRESHOLD_";

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private MemoryMeter() {
    }

    /** What a measured region used. */
    public record Reading(long peakBytes, long baselineBytes, String method) {
    }

    /** A region of work that may throw. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    /** True when CPU peaks are exact here: the malloc counter is preloaded, or the allocator returns freed tensor memory to the OS. */
    public static boolean cpuSettingsInEffect() {
        String value = System.getenv(MMAP_THRESHOLD_VARIABLE);
        // GlibcMalloc.REUSE's MALLOC_MMAP_MAX_=0 would override any threshold: nothing is unmapped on free.
        return MallocCounter.active() || value != null && !value.isBlank() && !"0".equals(System.getenv("MALLOC_MMAP_MAX_"));
    }

    /** Fails with a message naming the missing setting unless CPU peaks can be trusted. */
    public static void requireCpuSettings() {
        if (!cpuSettingsInEffect()) {
            throw new IllegalStateException("CPU memory measurement needs the malloc counter preloaded (a process started through"
                    + " MallocCounter.preloadInto) or " + MMAP_THRESHOLD_VARIABLE + " set in the environment before the JVM starts"
                    + " (e.g. 65536), so freed tensor memory goes back to the OS; `./revnet soak` and the Maven test runs set the latter");
        }
    }

    /** Peak bytes used by {@code work} on CPU, above what was in use at its start. */
    public static Reading measureCpu(Work work) {
        requireCpuSettings();
        Torch.ensureLoaded();
        releaseGarbage();
        if (MallocCounter.active()) {
            long baseline = MallocCounter.liveBytes();
            MallocCounter.resetPeak();
            run(work);
            return new Reading(Math.max(0, MallocCounter.peakBytes() - baseline), baseline, "cpu: peak of malloc'd live bytes (malloc counter"
                    + " preloaded) - live bytes at start");
        }
        resetPeak();
        long baseline = statusField("VmRSS:");
        run(work);
        long peak = statusField("VmHWM:");
        return new Reading(Math.max(0, peak - baseline), baseline, "cpu: VmHWM - VmRSS at start, " + MMAP_THRESHOLD_VARIABLE
                + "=" + System.getenv(MMAP_THRESHOLD_VARIABLE));
    }

    /** Peak bytes allocated on CUDA device 0 by {@code work}, above what was allocated at its start. */
    public static Reading measureCuda(Work work) {
        CudaDevices.Facts facts = CudaDevices.query();
        if (!facts.available() || !Torch.cudaAvailable()) {
            throw new IllegalStateException("no CUDA device for the memory meter: " + (facts.available()
                    ? "the CUDA runtime sees " + facts.devices().size() + " device(s) but this LibTorch build has no CUDA (use the CUDA pytorch jar)"
                    : facts.problem()));
        }
        try (NativeScope scope = NativeScope.open()) {
            DeviceAllocator allocator = torch_cuda.getDeviceAllocator(torch.DeviceType.CUDA);
            allocator.resetPeakStats((byte) 0);
            long baseline = allocator.getDeviceStats((byte) 0).allocated_bytes().current();
            run(work);
            DeviceStats stats = allocator.getDeviceStats((byte) 0);
            long[] freeTotal = CudaDevices.memoryInfo();
            return new Reading(Math.max(0, stats.allocated_bytes().peak() - baseline), baseline, String.format(
                    "cuda: caching allocator peak allocated bytes on %s; cudaMemGetInfo after: %.1f of %.1f GiB free",
                    facts.devices().get(0).name(), freeTotal[0] / 1073741824.0, freeTotal[1] / 1073741824.0));
        }
    }

    /** Measures on the device in use. */
    public static Reading measure(Work work) {
        return Torch.cudaAvailable() ? measureCuda(work) : measureCpu(work);
    }

    /** The process's current resident size in bytes. */
    public static long residentBytes() {
        return statusField("VmRSS:");
    }

    private static void run(Work work) {
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("measured work failed: " + e.getMessage(), e);
        }
    }

    /**
     * Frees the native memory of handles the program no longer reaches before the baseline is
     * read. Otherwise a collection inside the region frees memory that the baseline counted, and the
     * reading comes out low by that much: the second of three readings of one mode in one process
     * read 48 MB where the others read 57.4 MB (revnet-38 checkpoint, batch 32).
     */
    private static void releaseGarbage() {
        System.gc();
        org.bytedeco.javacpp.Pointer.deallocateReferences();
    }

    private static void resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5", StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot reset the peak resident size through " + CLEAR_REFS + ": " + e.getMessage(), e);
        }
    }

    private static long statusField(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024L;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STATUS + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(STATUS + " has no " + field + " line");
    }
}
