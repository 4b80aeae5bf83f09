package io.github.revnet.cli;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.distributed.LaunchEnvironment;
import io.github.revnet.core.distributed.LocalLauncher;
import io.github.revnet.core.distributed.ProcessGroup;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank of {@code bench --distributed}'s bandwidth probe: after two warm-up calls, times {@code repeats} allreduces of
 * a float32 tensor of BYTES bytes and prints their median as a {@link #PREFIX} line. Arguments: BYTES REPEATS.
 */
public final class AllreduceProbe {
    static final String PREFIX = "ALLREDUCE_SECONDS ";

    private AllreduceProbe() {
    }

    static List<String> arguments(long bytes, int repeats) {
        return List.of(String.valueOf(bytes), String.valueOf(repeats));
    }

    public static void main(String[] args) {
        long bytes = Long.parseLong(args[0]);
        int repeats = Integer.parseInt(args[1]);
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        Torch.setThreads(LocalLauncher.workerThreads());
        try (ProcessGroup group = ProcessGroup.join(env, Duration.ofSeconds(60)); NativeScope scope = NativeScope.open()) {
            Tensor t = torch.ones(new long[] {bytes / 4}, new TensorOptions(torch.ScalarType.Float));
            double[] seconds = new double[repeats];
            for (int i = -2; i < repeats; i++) {
                long start = System.nanoTime();
                group.allreduceSum(t);
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
            Arrays.sort(seconds);
            System.out.println(PREFIX + seconds[repeats / 2]);
        }
    }
}
