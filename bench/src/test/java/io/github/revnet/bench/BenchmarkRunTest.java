package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchmarkRunTest {
    @TempDir
    Path dir;

    @Test
    void aTinySweepRunsEndToEndWithExtraRoundsMemoryForEveryRunAndAFront() throws Exception {
        List<Mode> modes = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);
        // A ±0.1% target is never met in 6 rounds: the precise model gets its one extra fork of stored and reversible alone.
        // Batch 4 at 16×16: activations of 128 KB, above the probes' 64 KB mmap threshold; at batch 2 and 8×8 (16 KB) they
        // came from glibc's heap, where a reading of 0 is possible, and one run read 0.
        Sweep sweep = new Sweep("tiny", List.of(new Sweep.Config("stack-2", 4, 16, DType.FLOAT32, modes, 2)), List.of(2), 2, 8, 1, 6, 6, 12,
                0.001, List.of("stack-2"), new Sweep.Front("stack-2", 4, 16, 2));
        List<String> progress = new ArrayList<>();
        BenchmarkRun.Outcome o = new BenchmarkRun(sweep, dir, 1, line -> {
            synchronized (progress) {
                progress.add(line);
            }
        }).run();
        assertEquals(3, o.runs().size());
        for (Result r : o.runs()) {
            assertTrue(r.peakActivationBytes() != null && r.peakActivationBytes() > 0, r.model() + " " + r.mode() + " has no measured peak");
            assertTrue(r.estimatedActivationBytes() != null && r.estimatedActivationBytes() > 0, r.mode() + " has no estimate");
        }
        Result reversible = o.runs().get(1);
        Result checkpoint = o.runs().get(2);
        assertEquals(12, reversible.paired().roundRatios().length, "6 rounds, then one extra fork of 6");
        assertEquals(6, checkpoint.paired().roundRatios().length, "checkpoint is not in the extra fork");
        assertEquals(3, o.front().candidates().size(), "one stack: three plans");
        ReportWriter.write(o, dir, "test");
        assertTrue(java.nio.file.Files.readString(dir.resolve("report.md")).contains("Pareto front of stack-2"));
    }
}
