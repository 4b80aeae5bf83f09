package io.github.revnet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.distributed.DistributedGradientCheck;
import io.github.revnet.core.distributed.LaunchEnvironment;
import io.github.revnet.core.distributed.LocalLauncher;
import io.github.revnet.core.distributed.ProcessGroup;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.reversible.Coupling;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank of {@code check --nproc N}, started by {@link LocalLauncher} (or by torchrun, which sets the same variables):
 * runs {@link DistributedGradientCheck} once per mode and prints each outcome as a {@link #PREFIX} line of JSON.
 * Arguments: MODEL DTYPE PRECISION BATCH_PER_RANK IMAGE_SIZE SEED COUPLING DROPOUT TIMEOUT_SECONDS MODE[,MODE...] SYNC_BN.
 */
public final class DistributedCheckWorker {
    static final String PREFIX = "RESULT ";

    private DistributedCheckWorker() {
    }

    /** What the launcher passes, in order. */
    static List<String> arguments(String model, DType dtype, Precision precision, int batch, int imageSize, long seed, Coupling coupling,
            double dropout, int timeoutSeconds, List<Mode> modes, boolean syncBatchNorm) {
        return List.of(model, dtype.label(), precision.label(), String.valueOf(batch), String.valueOf(imageSize), String.valueOf(seed),
                coupling.label(), String.valueOf(dropout), String.valueOf(timeoutSeconds),
                String.join(",", modes.stream().map(Mode::label).toList()), String.valueOf(syncBatchNorm));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 11) {
            throw new IllegalArgumentException("usage: DistributedCheckWorker MODEL DTYPE PRECISION BATCH IMAGE_SIZE SEED COUPLING DROPOUT"
                    + " TIMEOUT MODES SYNC_BN, got " + Arrays.toString(args));
        }
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        DType dtype = DType.parse(args[1]);
        Precision precision = Precision.parse(args[2]);
        int batch = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        long seed = Long.parseLong(args[5]);
        Coupling coupling = Coupling.parse(args[6]);
        double dropout = Double.parseDouble(args[7]);
        Duration timeout = Duration.ofSeconds(Integer.parseInt(args[8]));
        List<Mode> modes = Arrays.stream(args[9].split(",")).map(Mode::parse).toList();
        boolean syncBatchNorm = Boolean.parseBoolean(args[10]);
        Torch.setThreads(LocalLauncher.workerThreads());
        ObjectMapper json = new ObjectMapper();
        try (ProcessGroup group = ProcessGroup.join(env, timeout);
                Model model = Model.create(args[0], ModelOptions.defaults().dtype(dtype).precision(precision).seed(seed).coupling(coupling)
                        .dropout(dropout));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(seed + 1);
            Tensor images = model.randomInput(batch * env.worldSize(), size);
            Tensor labels = model.randomLabels(batch * env.worldSize());
            for (Mode mode : modes) {
                DistributedGradientCheck.Outcome o = syncBatchNorm
                        ? DistributedGradientCheck.runSynchronised(group, model, images, labels, mode, seed + 2)
                        : DistributedGradientCheck.run(group, model, images, labels, mode, seed + 2);
                System.out.println(PREFIX + json.writeValueAsString(o));
            }
        }
    }
}
