package io.github.revnet.bridge;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How glibc's malloc should treat LibTorch's tensor memory in a process, set through its environment variables, which
 * glibc reads once at start: so a JVM cannot choose for itself, only for the processes it starts (and the {@code revnet}
 * launcher for the JVM it execs).
 *
 * <p>The two needs pull apart. Timing and training want freed blocks kept for reuse: by default glibc serves every block
 * above 32 MiB (LibTorch's reference convolutions allocate their im2col buffers at batch × channels × 9 × pixels) with
 * a fresh mapping, and each one is page-faulted and zeroed again, which made a revnet-38 training step at batch 64
 * 3.5 times slower on one thread. A CPU memory measurement by resident size wants the opposite: each freed block
 * unmapped at once, so the high-water mark follows the tensors.
 */
public enum GlibcMalloc {
    /**
     * Freed memory stays in the process for the next allocation: one arena (an arena other than the first cannot grow
     * past 64 MiB without mappings), no mappings, no trimming. Resident size then stays at the run's peak.
     */
    REUSE(Map.of("MALLOC_ARENA_MAX", "1", "MALLOC_MMAP_MAX_", "0", "MALLOC_TRIM_THRESHOLD_", "68719476736")),
    /**
     * Every block above 64 KiB is a mapping of its own, unmapped when freed, and the heap's top is trimmed at once: what
     * {@link MemoryMeter} needs to read tensor memory from the resident-set high-water mark.
     */
    RETURN_TO_OS(Map.of(MemoryMeter.MMAP_THRESHOLD_VARIABLE, "65536", "MALLOC_TRIM_THRESHOLD_", "0"));

    private final Map<String, String> variables;

    GlibcMalloc(Map<String, String> variables) {
        this.variables = variables;
    }

    /** The environment variables that select this behaviour. */
    public Map<String, String> variables() {
        return new LinkedHashMap<>(variables);
    }

    /** Sets {@code env} (a child process's environment) to this behaviour, removing any other setting of glibc's malloc. */
    public void applyTo(Map<String, String> env) {
        clearFrom(env);
        env.putAll(variables);
    }

    /** Removes every setting either behaviour makes from {@code env}, leaving glibc's defaults. */
    public static void clearFrom(Map<String, String> env) {
        for (GlibcMalloc m : values()) {
            m.variables.keySet().forEach(env::remove);
        }
    }

    /** Whether this process was started with this behaviour's variables, all of them at its values. */
    public boolean inEffect() {
        return variables.entrySet().stream().allMatch(e -> e.getValue().equals(System.getenv(e.getKey())));
    }
}
