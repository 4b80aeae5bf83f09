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
    void aTinySweepRunsEndToEndWithRoundsBudgetedByCostMemoryForEveryRunAndAFront() throws Exception {
        List<Mode> modes = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);
        // Reversible's target (±0.1 %) is never met: the pilot of 10 rounds is set aside because a step of this stack is far
        // shorter than the 400 ms minimum sample, then a fork of all modes at several steps per sample (10 rounds: a fork at
        // most a first fork's rounds when it joins none) decides checkpoint (±1000 %), and the headline's fork of stored and
        // reversible alone doubles them to maxRounds (20). Not 100 ms: with every activation mmapped (GlibcMalloc.RETURN_TO_OS, which the JMH forks
        // would inherit) a step took 96-123 ms, so a 100 ms pilot was sometimes kept.
        // Ten, not six: a single step of this stack is a millisecond, a pilot round can fall below the floor, and six rounds
        // less one give no interval, so the fork would be sized without one (12 rounds, then the headline's own 6).
        // Batch 4 at 16×16: activations of 128 KB, above the probes' 64 KB mmap threshold; at batch 2 and 8×8 (16 KB) they
        // came from glibc's heap, where a reading of 0 is possible, and one run read 0.
        Sweep sweep = new Sweep("tiny", List.of(new Sweep.Config("stack-2", 4, 16, DType.FLOAT32, modes, 2)), List.of(2), 2, 8,
                new RoundBudget(1, 10, 6, 20, 10, 0.001, List.of("stack-2"), 600, 400), new Sweep.Front("stack-2", 4, 16, 2));
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
        assertEquals(20, reversible.paired().roundRatios().length, () -> "20 rounds up to maxRounds; the pilot's 10 not pooled: "
                + String.join("\n", progress));
        assertEquals(10, checkpoint.paired().roundRatios().length, () -> "decided in the first pooled fork: " + String.join("\n", progress));
        assertTrue(!reversible.paired().decided());
        assertTrue(reversible.stepMs().stepsPerSample() > 1, "a short step is timed several to a sample: " + reversible.stepMs());
        assertEquals(20, reversible.stepMs().samples());
        assertEquals(3, o.front().candidates().size(), "one stack: three plans");
        ReportWriter.write(o, dir, "test");
        assertTrue(java.nio.file.Files.readString(dir.resolve("report.md")).contains("Pareto front of stack-2"));
    }

    @Test
    void onlyTheUndecidedModesAreTimedAgainAndADecidedOneKeepsItsRounds() throws Exception {
        List<Mode> modes = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);
        // Checkpoint's target (±1000 %) is met at once, reversible's (±0.1 %) never; one step per sample (no minimum sample
        // time): 10 rounds of all modes, then the 10 up to maxRounds of stored and reversible alone. Ten: a single step here
        // is a millisecond, so a round can fall below the floor, and six less one give no interval.
        Sweep sweep = new Sweep("tiny", List.of(new Sweep.Config("stack-2", 4, 16, DType.FLOAT32, modes, 2)), List.of(), 2, 8,
                new RoundBudget(1, 10, 10, 20, 10, 0.001, List.of("stack-2"), 600, 0), null);
        BenchmarkRun.Outcome o = new BenchmarkRun(sweep, dir, 1, line -> { }).run();
        Result reversible = o.runs().get(1);
        Result checkpoint = o.runs().get(2);
        assertEquals(20, reversible.paired().roundRatios().length, "10 rounds, then one extra fork of 10");
        assertEquals(10, checkpoint.paired().roundRatios().length, "checkpoint, decided, is not in the extra fork");
        assertTrue(checkpoint.paired().decided() && !reversible.paired().decided(), () -> "checkpoint "
                + java.util.Arrays.toString(checkpoint.paired().roundRatios()) + " " + checkpoint.paired() + ", reversible "
                + java.util.Arrays.toString(reversible.paired().roundRatios()));
        assertEquals(1, reversible.stepMs().stepsPerSample());
        assertTrue(o.decided().startsWith("1 of 2 rows decided; undecided: stack-2 reversible"), o.decided());
    }
}
