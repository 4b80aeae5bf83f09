package io.github.revnet.core.distributed;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalLauncherTest {
    private static long workersAlive() {
        return ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains(LauncherFaultChild.class.getName()))
                .count();
    }

    @Test
    void aWorkerThatFailsEndsTheJobWithItsRankNamedAndNoWorkerLeftBehind() {
        long start = System.nanoTime();
        var e = assertThrows(LocalLauncher.WorkerFailure.class,
                () -> LocalLauncher.run(LauncherFaultChild.class, List.of(), 3, Duration.ofSeconds(120), line -> { }));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(e.getMessage().startsWith("rank 1 of 3 exited with status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("rank 1 gives up"), "its last lines are shown: " + e.getMessage());
        assertTrue(seconds < 60, "the job ended when rank 1 failed, not when the others would have: " + seconds + " s");
        assertEquals(0, workersAlive(), "every worker is stopped");
    }

    @Test
    void aJobPastItsTimeoutNamesTheRanksStillRunning() {
        var e = assertThrows(LocalLauncher.WorkerFailure.class,
                () -> LocalLauncher.run(LauncherFaultChild.class, List.of(), 1, Duration.ofSeconds(3), line -> { }));
        assertEquals("rank(s) [0] of 1 still running after 3 s; every rank was stopped", e.getMessage());
        assertEquals(0, workersAlive(), "every worker is stopped");
    }
}
