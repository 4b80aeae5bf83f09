package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("measures-memory") // run with GlibcMalloc.RETURN_TO_OS (the memory-measurements execution)
class MemoryMeterTest {
    private static final long MIB = 1024L * 1024L;
    /**
     * The meter reads the whole process's resident size, so JVM work that happens to fall in the
     * measured window (JIT compiler arenas, GC) moves a reading either way: seen on a loaded
     * machine, +6 MiB over a 64 MiB tensor, and -4 MiB when memory held at the baseline was freed
     * inside the window. The median of three readings is robust to one such outlier.
     */
    private static final int READINGS = 3;

    private static long medianPeak(MemoryMeter.Work work) {
        long[] peaks = new long[READINGS];
        for (int i = 0; i < READINGS; i++) {
            peaks[i] = MemoryMeter.measureCpu(work).peakBytes();
        }
        java.util.Arrays.sort(peaks);
        return peaks[READINGS / 2];
    }

    private static long peakOfAllocating(long bytes) {
        return medianPeak(() -> {
            try (NativeScope scope = NativeScope.open()) {
                Tensor t = torch.ones(new long[] {bytes / 8}, new TensorOptions(torch.ScalarType.Double));
                assertTrue(t.sum().item_double() > 0);
            }
        });
    }

    @Test
    void readsBackAKnownAllocationWithinFivePercent() {
        assertTrue(MemoryMeter.cpuSettingsInEffect(), "the memory-measurements execution sets " + MemoryMeter.MMAP_THRESHOLD_VARIABLE);
        peakOfAllocating(16 * MIB); // warm up LibTorch's thread pools and code pages
        for (long size : new long[] {64 * MIB, 256 * MIB}) {
            long peak = peakOfAllocating(size);
            double ratio = (double) peak / size;
            assertTrue(ratio > 0.95 && ratio < 1.05, "allocated " + size + " bytes, meter read " + peak + " (ratio " + ratio + ")");
        }
    }

    @Test
    void freedMemoryDoesNotCountTwice() {
        assertTrue(MemoryMeter.cpuSettingsInEffect(), "the memory-measurements execution sets " + MemoryMeter.MMAP_THRESHOLD_VARIABLE);
        peakOfAllocating(16 * MIB);
        long peak = medianPeak(() -> {
            for (int i = 0; i < 4; i++) {
                try (NativeScope scope = NativeScope.open()) {
                    torch.ones(new long[] {64 * MIB / 8}, new TensorOptions(torch.ScalarType.Double));
                }
            }
        });
        double ratio = (double) peak / (64 * MIB);
        assertTrue(ratio > 0.95 && ratio < 1.05, "four sequential 64 MiB tensors must peak at 64 MiB, read ratio " + ratio);
    }

    @Test
    void refusesToMeasureWithoutTheAllocatorSetting() throws Exception {
        // Surefire sets the variable for every test JVM, so the refusal is observed in a JVM started without it.
        String javaCommand = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder child = new ProcessBuilder(javaCommand, "-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", MemoryMeterRefusalProbe.class.getName()).redirectErrorStream(true);
        GlibcMalloc.clearFrom(child.environment());
        child.environment().remove("LD_PRELOAD");
        Process p = child.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES), "the child JVM did not finish");
        assertTrue(output.contains("refused: ") && output.contains(MemoryMeter.MMAP_THRESHOLD_VARIABLE),
                "without the setting the meter must refuse, naming it; the child printed:\n" + output);
    }
}
