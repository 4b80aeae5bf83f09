package io.github.revnet.core.distributed;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import java.time.Duration;
import org.bytedeco.pytorch.Tensor;

/**
 * One rank of {@link SyncBatchNormTest}'s job: {@link DistributedGradientCheck#runSynchronised} on stack-2 in float64,
 * weights seeded per rank so that the broadcast has something to do, batch 2 per rank of 8×8 images. Prints the worst
 * relative error, the running statistics' difference and the checksum. Arguments: MODE FAULT.
 */
public final class SyncBatchNormChild {
    private SyncBatchNormChild() {
    }

    public static void main(String[] args) {
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        Mode mode = Mode.parse(args[0]);
        SyncBatchNormFault fault = SyncBatchNormFault.valueOf(args[1]);
        Torch.setThreads(LocalLauncher.workerThreads());
        try (ProcessGroup group = ProcessGroup.join(env, Duration.ofSeconds(60));
                Model model = Model.create("stack-2", ModelOptions.defaults().dtype(DType.FLOAT64).seed(1 + env.rank()));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(7);
            Tensor images = model.randomInput(2 * env.worldSize(), 8);
            Tensor labels = model.randomLabels(2 * env.worldSize());
            DistributedGradientCheck.Outcome o = DistributedGradientCheck.runSynchronised(group, model, images, labels, mode, 3, fault);
            System.out.println("rank " + env.rank() + " max-relative-error " + o.maxRelativeError());
            System.out.println("rank " + env.rank() + " running-stats-diff " + o.runningStatsMaxAbsDiff());
            System.out.println("rank " + env.rank() + " parameter-checksum " + o.parameterChecksum());
        }
    }
}
