package io.github.revnet.core.distributed;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    private record Job(List<String> outputs, List<Integer> exits) {
        double worstError() {
            double worst = 0;
            for (String out : outputs) {
                Matcher m = ERROR.matcher(out);
                assertTrue(m.find(), "a rank printed no error:\n" + out);
                worst = Math.max(worst, Double.parseDouble(m.group(2)));
            }
            return worst;
        }

        List<String> checksums() {
            List<String> sums = new ArrayList<>();
            for (String out : outputs) {
                Matcher m = CHECKSUM.matcher(out);
                assertTrue(m.find(), "a rank printed no checksum:\n" + out);
                sums.add(m.group(2));
            }
            return sums;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Job run(int ranks, Map<String, String> extra) throws Exception {
        // The natives extracted here first: two children loading them into an empty cache at once would race.
        io.github.revnet.bridge.Torch.ensureLoaded();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        LaunchEnvironment env = new LaunchEnvironment(0, ranks, 0, "127.0.0.1", freePort());
        List<Process> processes = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-Dorg.bytedeco.javacpp.maxBytes=0",
                    "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"), DataParallelChild.class.getName())
                    .redirectErrorStream(true);
            pb.environment().putAll(env.variablesFor(r));
            pb.environment().putAll(extra);
            processes.add(pb.start());
        }
        List<String> outputs = new ArrayList<>();
        List<Integer> exits = new ArrayList<>();
        for (Process p : processes) {
            outputs.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                processes.forEach(Process::destroyForcibly);
                throw new AssertionError("a rank did not finish within 120 s:\n" + String.join("\n---\n", outputs));
            }
            exits.add(p.exitValue());
        }
        return new Job(outputs, exits);
    }

    @Test
    void twoRanksAveragedReversibleGradientsAreTheSingleProcessMeanOfStoredOnes() throws Exception {
        Job job = run(2, Map.of("MODE", "reversible"));
        assertEquals(List.of(0, 0), job.exits(), String.join("\n---\n", job.outputs()));
        assertTrue(job.worstError() <= 1e-10, "averaged gradients differ from the single-process reference by " + job.worstError()
                + ":\n" + String.join("\n---\n", job.outputs()));
        System.out.println("2 ranks, reversible: worst relative error against the single-process reference " + job.worstError());
        List<String> sums = job.checksums();
        assertEquals(sums.get(0), sums.get(1), "every rank holds rank 0's parameters after the broadcast");
    }

    @Test
    void everyPlantedFaultIsCaught() throws Exception {
        for (DistributedFault fault : DistributedFault.values()) {
            if (fault == DistributedFault.NONE) {
                continue;
            }
            Map<String, String> env = fault == DistributedFault.BROKEN_DROPOUT_REPLAY_ON_RANK_1
                    ? Map.of("MODE", "reversible", "FAULT", fault.name(), "DROPOUT", "0.3") : Map.of("MODE", "reversible", "FAULT", fault.name());
            Job broken = run(2, env);
            assertEquals(List.of(0, 0), broken.exits(), String.join("\n---\n", broken.outputs()));
            System.out.println("2 ranks, " + fault + ": worst relative error " + broken.worstError());
            assertTrue(broken.worstError() > 1e-6, fault + " must be caught, got " + broken.worstError());
        }
        // The dropout control's intact twin passes, so it is the broken replay that is caught, not dropout itself.
        Job intact = run(2, Map.of("MODE", "reversible", "DROPOUT", "0.3"));
        assertTrue(intact.worstError() <= 1e-10, "with dropout, intact: " + intact.worstError());
    }

    @Test
    void aParameterWithoutAGradientIsNamedAndAOneRankGroupLeavesGradientsAsTheyAre() throws Exception {
        try (ProcessGroup group = ProcessGroup.join(new LaunchEnvironment(0, 1, 0, "127.0.0.1", freePort()), java.time.Duration.ofSeconds(30));
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
