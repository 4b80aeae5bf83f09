package io.github.revnet.core.distributed;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data parallelism over c10d's Gloo backend, two JVMs on loopback: each rank's averaged reversible-mode gradients must
 * equal the single-process reference (the mean of the shards' stored-mode gradients) to float64's level, and every rank
 * must hold rank 0's parameters. Every planted {@link DistributedFault} must be caught.
 */
class ProcessGroupTest {
    private static final Pattern ERROR = Pattern.compile("rank (\\d+) max-relative-error (\\S+)");
    private static final Pattern CHECKSUM = Pattern.compile("rank (\\d+) parameter-checksum (\\S+)");

    /** A 2-rank job's worst relative error over ranks, after checking that every rank printed its checksum into {@code sums}. */
    private static double worstError(LocalLauncher.Job job, List<String> sums) {
        double worst = 0;
        for (List<String> lines : job.lines()) {
            String out = String.join("\n", lines);
            Matcher error = ERROR.matcher(out);
            assertTrue(error.find(), "a rank printed no error:\n" + out);
            worst = Math.max(worst, Double.parseDouble(error.group(2)));
            Matcher checksum = CHECKSUM.matcher(out);
            assertTrue(checksum.find(), "a rank printed no checksum:\n" + out);
            sums.add(checksum.group(2));
        }
        return worst;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Two ranks of {@link DataParallelChild} through the harness's own launcher, which fails the test if a rank fails. */
    private static LocalLauncher.Job run(String mode, DistributedFault fault, double dropout) throws Exception {
        return LocalLauncher.run(DataParallelChild.class, List.of(mode, fault.name(), String.valueOf(dropout)), 2, Duration.ofSeconds(120),
                line -> { });
    }

    @Test
    void twoRanksAveragedReversibleGradientsAreTheSingleProcessMeanOfStoredOnes() throws Exception {
        List<String> sums = new ArrayList<>();
        double worst = worstError(run("reversible", DistributedFault.NONE, 0), sums);
        System.out.println("2 ranks, reversible: worst relative error against the single-process reference " + worst);
        assertTrue(worst <= 1e-10, "averaged gradients differ from the single-process reference by " + worst);
        assertEquals(sums.get(0), sums.get(1), "every rank holds rank 0's parameters after the broadcast");
    }

    @Test
    void everyPlantedFaultIsCaught() throws Exception {
        for (DistributedFault fault : DistributedFault.values()) {
            if (fault == DistributedFault.NONE) {
                continue;
            }
            double dropout = fault == DistributedFault.BROKEN_DROPOUT_REPLAY_ON_RANK_1 ? 0.3 : 0;
            double worst = worstError(run("reversible", fault, dropout), new ArrayList<>());
            System.out.println("2 ranks, " + fault + ": worst relative error " + worst);
            assertTrue(worst > 1e-6, fault + " must be caught, got " + worst);
        }
        // The dropout control's intact twin passes, so it is the broken replay that is caught, not dropout itself.
        double intact = worstError(run("reversible", DistributedFault.NONE, 0.3), new ArrayList<>());
        assertTrue(intact <= 1e-10, "with dropout, intact: " + intact);
    }

    @Test
    void aParameterWithoutAGradientIsNamedAndAOneRankGroupLeavesGradientsAsTheyAre() throws Exception {
        try (ProcessGroup group = ProcessGroup.join(new LaunchEnvironment(0, 1, 0, "127.0.0.1", freePort()), Duration.ofSeconds(30));
                io.github.revnet.bridge.NativeScope scope = io.github.revnet.bridge.NativeScope.open()) {
            org.bytedeco.pytorch.Tensor a = org.bytedeco.pytorch.global.torch.randn(3);
            a.requires_grad_(true);
            org.bytedeco.pytorch.Tensor b = org.bytedeco.pytorch.global.torch.randn(2);
            b.requires_grad_(true);
            a.mul(new org.bytedeco.pytorch.Scalar(2)).sum().backward();
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> group.averageGradients(new java.util.LinkedHashMap<>(Map.of("a", a, "b", b))));
            assertEquals("rank 0: no gradient reached [b] before the allreduce", e.getMessage());
            group.averageGradients(Map.of("a", a));
            assertEquals(6.0, a.grad().sum().item_double(), 1e-12);
        }
    }
}
