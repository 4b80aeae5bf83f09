package io.github.revnet.core.training;

import io.github.revnet.core.data.InstalledDataset;
import io.github.revnet.core.distributed.DistributedFault;
import io.github.revnet.core.distributed.LocalLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training on two worker JVMs over Gloo: the ranks end with the same weights bit for bit, a run that
 * skips the averaging does not (the hashes can tell), a resumed run ends where the uninterrupted one does, and a worker
 * killed mid-run ends the job with its rank named.
 */
class DataParallelTrainingTest {
    private static final Pattern HASHES = Pattern.compile("rank (\\d+) hashes (\\S+)");

    @BeforeAll
    static void data() {
        InstalledDataset.requireFashionMnist();
    }

    /** Every rank's view of every rank's hash; each rank must report the same list. */
    private static List<String> hashes(DistributedFault fault, int steps, Path checkpoint, boolean resume) throws Exception {
        return hashes(fault, steps, checkpoint, resume, fault == DistributedFault.NONE ? "overlapped" : "after-backward");
    }

    private static List<String> hashes(DistributedFault fault, int steps, Path checkpoint, boolean resume, String averaging,
            String... plan) throws Exception {
        List<String> args = new ArrayList<>(List.of(fault.name(), String.valueOf(steps), checkpoint == null ? "-" : checkpoint.toString(),
                String.valueOf(resume), averaging));
        args.addAll(List.of(plan));
        LocalLauncher.Job job = LocalLauncher.run(DataParallelTrainingChild.class, args, 2, Duration.ofSeconds(180), line -> { });
        List<String> seen = new ArrayList<>();
        for (List<String> lines : job.lines()) {
            Matcher m = HASHES.matcher(String.join("\n", lines));
            assertTrue(m.find(), "a rank printed no hashes: " + lines);
            seen.add(m.group(2));
        }
        assertEquals(seen.get(0), seen.get(1), "both ranks gathered the same hashes");
        return List.of(seen.get(0).split(","));
    }

    private static List<String> straight;

    /** Four steps in one go, run once for both tests that need it. */
    private static synchronized List<String> straight() throws Exception {
        if (straight == null) {
            straight = hashes(DistributedFault.NONE, 4, null, false);
        }
        return straight;
    }

    @Test
    void theRanksEndWithTheSameWeightsAndWithoutTheAveragingTheyDoNot() throws Exception {
        List<String> intact = straight();
        assertEquals(2, intact.size());
        assertEquals(intact.get(0), intact.get(1), "averaged gradients keep the replicas equal bit for bit");
        List<String> unaveraged = hashes(DistributedFault.NO_AVERAGE, 2, null, false);
        assertNotEquals(unaveraged.get(0), unaveraged.get(1), "negative control: each rank stepping on its own shard drifts apart");
    }

    @Test
    void bucketsAveragedDuringTheBackwardEndBitForBitWhereOneBucketAfterItEnds() throws Exception {
        // With 2 ranks every averaged element is (a + b) / 2 whichever bucket carried it, so the runs must agree exactly.
        assertEquals(straight(), hashes(DistributedFault.NONE, 4, null, false, "after-backward"));
    }

    @Test
    void inTheHybridModeTheReplicasStayEqualAndAUniformPlanTrainsAsItsMode() throws Exception {
        List<String> hybrid = hashes(DistributedFault.NONE, 4, null, false, "overlapped", "checkpoint,stored,reversible");
        assertEquals(hybrid.get(0), hybrid.get(1), "a stored, a checkpointed and a reversible stack, averaged in buckets as they finish");
        assertEquals(straight(), hashes(DistributedFault.NONE, 4, null, false, "overlapped", "reversible,reversible,reversible"),
                "the uniform plan is reversible mode, bit for bit");
    }

    @Test
    void aResumedRunEndsBitForBitWhereTheUninterruptedOneEnds(@TempDir Path dir) throws Exception {
        String straight = straight().get(0);
        Path checkpoint = dir.resolve("run");
        hashes(DistributedFault.NONE, 2, checkpoint, false);
        List<String> resumed = hashes(DistributedFault.NONE, 4, checkpoint, true);
        assertEquals(straight, resumed.get(0), "2 steps, then resumed to 4, against 4 in one go");
        assertEquals(resumed.get(0), resumed.get(1));
    }

    /** Runs the child on {@code ranks} ranks with synchronised batch norm or not; returns rank 0's lines. */
    private static List<String> run(int ranks, boolean syncBatchNorm, int steps, Path checkpoint, boolean resume, int stopAfter)
            throws Exception {
        List<String> args = List.of("NONE", String.valueOf(steps), checkpoint.toString(), String.valueOf(resume), "after-backward", "-",
                String.valueOf(syncBatchNorm), String.valueOf(stopAfter));
        return LocalLauncher.run(DataParallelTrainingChild.class, args, ranks, Duration.ofSeconds(180), line -> { }).lines().get(0);
    }

    @Test
    void withSynchronisedBatchNormARunStoppedOnTwoRanksResumesOnOneAndEndsWhereTheUninterruptedRunEnds(@TempDir Path dir)
            throws Exception {
        Path straight = dir.resolve("straight");
        Path elastic = dir.resolve("elastic");
        Path atStop = dir.resolve("at-stop");
        run(2, true, 3, straight, false, 0);
        run(2, true, 3, elastic, false, 1);
        try (var files = Files.walk(elastic)) {
            for (Path f : files.toList()) {
                Files.copy(f, atStop.resolve(elastic.relativize(f).toString()));
            }
        }
        run(1, true, 3, elastic, true, 0);
        var resumed = CheckpointComparison.compare(new TrainingCheckpoint(elastic), new TrainingCheckpoint(straight), null);
        assertEquals(3, resumed.stepA());
        assertEquals(3, resumed.stepB());
        assertTrue(resumed.relativeDifference() <= 1e-12, "1 step on 2 ranks, then 2 on 1, against 3 on 2: " + resumed.relativeDifference()
                + ", worst " + resumed.worst());
        // negative control: the comparison sees two steps of training
        var early = CheckpointComparison.compare(new TrainingCheckpoint(atStop), new TrainingCheckpoint(straight), null);
        assertTrue(early.relativeDifference() > 1e-6, "the checkpoint at step 1 against step 3: " + early.relativeDifference());
    }

    @Test
    void withoutSynchronisedBatchNormAResumeOnAnotherRankCountIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("run");
        run(2, false, 2, checkpoint, false, 1);
        var e = assertThrows(LocalLauncher.WorkerFailure.class, () -> run(1, false, 2, checkpoint, true, 0));
        assertTrue(e.getMessage().contains("was made on 2 ranks, this run has 1") && e.getMessage().contains("--sync-bn"), e.getMessage());
    }

    @Test
    void aWorkerKilledMidRunEndsTheJobWithItsRankNamed() {
        AtomicLong rankOne = new AtomicLong();
        Pattern started = Pattern.compile("\\[rank 1\\] started as process (\\d+)");
        long start = System.nanoTime();
        var e = assertThrows(LocalLauncher.WorkerFailure.class, () -> LocalLauncher.run(DataParallelTrainingChild.class,
                List.of("NONE", "1000", "-", "false"), 2, Duration.ofSeconds(180), line -> {
                    Matcher m = started.matcher(line);
                    if (m.find()) {
                        rankOne.set(Long.parseLong(m.group(1)));
                    }
                    if (line.startsWith("[rank 0] step 2/")) {
                        ProcessHandle.of(rankOne.get()).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(e.getMessage().startsWith("rank 1 of 2 exited with status 137"), e.getMessage());
        assertTrue(seconds < 120, "the job ended when rank 1 was killed: " + seconds + " s");
    }
}
