package io.github.revnet.core.training;

import io.github.revnet.bridge.MemoryMeter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native memory must follow scopes, not the garbage collector: over a few hundred training steps
 * of revnet-38 resident memory stays within 2% of its value after warm-up, no JavaCPP handle is
 * left for the collector, and forcing a full collection every step changes neither.
 *
 * <p>Each soak runs in a JVM with a fixed, pre-touched heap ({@code -XX:+AlwaysPreTouch}): otherwise
 * the heap's own pages, touched for the first time as G1 grows its young generation, raise
 * resident memory by ~20% over 400 steps with no native memory involved.
 */
@Tag("measures-memory") // run with GlibcMalloc.RETURN_TO_OS (the memory-measurements execution)
class NativeMemorySoakTest {
    private static final double MAX_DRIFT = 0.02;
    private static final String STEPS = "400";
    // The baseline is taken after 300 steps: between steps 270 and 300, runs showed a one-time rise of 7-10 MB (1.3-1.9 %) that
    // then stayed flat, with no handle left to the collector (a leak is a slope: the negative control climbs 5 MB per 20 steps).
    // Its timing fits the JIT compiling the step's hot paths; after it, resident memory is what the issue asks to keep flat.
    private static final String WARMUP = "300";

    @TempDir
    Path dir;

    /** Drift and handle growth from a forked soak. */
    private record Outcome(double drift, long handleGrowth, String log) {
    }

    private Outcome soak(boolean forceGc, boolean leak) throws Exception {
        MemoryMeter.requireCpuSettings();
        Path log = dir.resolve("soak-" + forceGc + "-" + leak + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Xms256m", "-Xmx256m",
                "-XX:+AlwaysPreTouch", "-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                SoakProbe.class.getName(), "reversible", STEPS, WARMUP, forceGc ? "gc" : "no-gc", leak ? "leak" : "no-leak")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "soak did not finish in 10 minutes");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        String result = output.lines().filter(l -> l.startsWith("result ")).findFirst().orElseThrow(() -> new AssertionError(output));
        double drift = Double.parseDouble(result.replaceAll(".*drift=([^ ]+).*", "$1"));
        long handles = Long.parseLong(result.replaceAll(".*handles=([^ ]+).*", "$1"));
        System.out.printf("soak reversible%s%s: RSS drift %+.2f%%, handles awaiting GC %+d%n%s", forceGc ? ", GC every step" : "",
                leak ? ", leaking (negative control)" : "", 100 * drift, handles,
                output.lines().filter(l -> l.startsWith("sample ")).map(l -> "  " + l + "\n").reduce("", String::concat));
        return new Outcome(drift, handles, output);
    }

    private static void assertFlat(Outcome o) {
        assertTrue(o.handleGrowth() <= 0, "native handles left to the garbage collector grew by " + o.handleGrowth()
                + ": some native object of a step is not released by its scope\n" + o.log());
        assertTrue(o.drift() <= MAX_DRIFT, String.format("resident memory drifted %+.2f%% after warm-up (limit %.0f%%)%n%s",
                100 * o.drift(), 100 * MAX_DRIFT, o.log()));
    }

    @Test
    void reversibleTrainingKeepsNativeMemoryFlatWithoutTheCollector() throws Exception {
        assertFlat(soak(false, false));
    }

    @Test
    void reversibleTrainingKeepsNativeMemoryFlatWithAFullCollectionEveryStep() throws Exception {
        assertFlat(soak(true, false));
    }

    @Test
    void aTensorPerStepLeftToTheCollectorIsCaught() throws Exception {
        Outcome leaking = soak(false, true);
        assertTrue(leaking.handleGrowth() > 0, "the negative control leaked a handle per step, but growth was " + leaking.handleGrowth());
    }
}
