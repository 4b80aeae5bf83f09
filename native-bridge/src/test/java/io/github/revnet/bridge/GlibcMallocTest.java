package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GlibcMallocTest {
    @Test
    void applyingOneBehaviourRemovesTheOthersSettings() {
        Map<String, String> env = new HashMap<>(Map.of("PATH", "/bin"));
        GlibcMalloc.RETURN_TO_OS.applyTo(env);
        GlibcMalloc.REUSE.applyTo(env);
        assertEquals("0", env.get("MALLOC_MMAP_MAX_"));
        assertFalse(env.containsKey(MemoryMeter.MMAP_THRESHOLD_VARIABLE), env.toString());
        GlibcMalloc.RETURN_TO_OS.applyTo(env);
        assertEquals("65536", env.get(MemoryMeter.MMAP_THRESHOLD_VARIABLE));
        assertEquals("0", env.get("MALLOC_TRIM_THRESHOLD_"));
        assertFalse(env.containsKey("MALLOC_MMAP_MAX_") || env.containsKey("MALLOC_ARENA_MAX"), env.toString());
        GlibcMalloc.clearFrom(env);
        assertEquals(Map.of("PATH", "/bin"), env);
    }

    @Test
    void testsThatDoNotMeasureMemoryRunWithFreedMemoryKeptForReuse() {
        // The pom's default test execution must match the enum: else these tests time and train under another allocator
        // than ./revnet gives a user.
        assertTrue(GlibcMalloc.REUSE.inEffect(), "surefire's environment: " + System.getenv());
        assertFalse(MemoryMeter.cpuSettingsInEffect() && !MallocCounter.active(), "the memory meter must refuse under REUSE");
    }
}
