package io.github.revnet.core.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synchronised batch normalisation through the reversible recomputation, two and three JVMs on loopback: each rank's
 * averaged gradients must equal one process's on the whole global batch, and the running statistics too, in every mode;
 * every planted {@link SyncBatchNormFault} must be caught, in the reversible mode whose recomputation it concerns.
 */
class SyncBatchNormTest {
    private static final Pattern ERROR = Pattern.compile("rank (\\d+) max-relative-error (\\S+)");
    private static final Pattern STATS = Pattern.compile("rank (\\d+) running-stats-diff (\\S+)");
    private static final Pattern CHECKSUM = Pattern.compile("rank (\\d+) parameter-checksum (\\S+)");

    /** The job's worst gradient error and worst running-statistics difference over the ranks; each rank's checksum into {@code sums}. */
    private static double[] worst(int ranks, String mode, SyncBatchNormFault fault, List<String> sums) throws Exception {
        LocalLauncher.Job job = LocalLauncher.run(SyncBatchNormChild.class, List.of(mode, fault.name()), ranks, Duration.ofSeconds(120),
                line -> { });
        double error = 0;
        double stats = 0;
        for (List<String> lines : job.lines()) {
            String out = String.join("\n", lines);
            error = Math.max(error, number(ERROR, out));
            stats = Math.max(stats, number(STATS, out));
            Matcher checksum = CHECKSUM.matcher(out);
            assertTrue(checksum.find(), "a rank printed no checksum:\n" + out);
            sums.add(checksum.group(2));
        }
        return new double[] {error, stats};
    }

    private static double number(Pattern p, String out) {
        Matcher m = p.matcher(out);
        assertTrue(m.find(), "a rank printed no " + p + ":\n" + out);
        double v = Double.parseDouble(m.group(2));
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    @Test
    void everyModeOnTwoAndThreeRanksIsOneProcessOnTheGlobalBatch() throws Exception {
        for (int ranks : new int[] {2, 3}) {
            for (String mode : List.of("stored", "reversible", "checkpoint")) {
                List<String> sums = new ArrayList<>();
                double[] w = worst(ranks, mode, SyncBatchNormFault.NONE, sums);
                System.out.printf("sync-bn, %d ranks, %s: gradient error %.3e, running statistics %.3e%n", ranks, mode, w[0], w[1]);
                assertTrue(w[0] <= 1e-12, ranks + " ranks, " + mode + ": gradients differ from one process on the global batch by " + w[0]);
                assertTrue(w[1] <= 1e-12, ranks + " ranks, " + mode + ": running statistics differ by " + w[1]);
                assertEquals(1, sums.stream().distinct().count(), "every rank holds rank 0's parameters: " + sums);
            }
        }
    }

    @Test
    void everyPlantedFaultIsCaughtInTheReversibleMode() throws Exception {
        for (SyncBatchNormFault fault : SyncBatchNormFault.values()) {
            if (fault == SyncBatchNormFault.NONE) {
                continue;
            }
            double[] w = worst(2, "reversible", fault, new ArrayList<>());
            System.out.printf("sync-bn, 2 ranks, reversible, %s: gradient error %.3e, running statistics %.3e%n", fault, w[0], w[1]);
            assertTrue(w[0] > 1e-6, fault + " must be caught, got " + w[0]);
        }
        // The recomputation's fault lies where only a recomputing mode goes: stored mode, which recomputes nothing, is exact.
        double[] stored = worst(2, "stored", SyncBatchNormFault.LOCAL_RECOMPUTATION, new ArrayList<>());
        assertTrue(stored[0] <= 1e-12, "stored mode has no recomputation to break, got " + stored[0]);
    }
}
