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
 * One rank of {@link ProcessGroupTest}'s job: joins through the torchrun variables and runs {@link DistributedGradientCheck}
 * on stack-2 in float64, its weights seeded per rank so that the broadcast has something to do. Prints the worst relative
 * error and the parameter checksum. Arguments: MODE FAULT DROPOUT (a {@link DistributedFault} to plant, the blocks'
 * dropout).
 */
public final class DataParallelChild {
    private DataParallelChild() {
    }

    public static void main(String[] args) {
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        Mode mode = Mode.parse(args[0]);
        DistributedFault fault = DistributedFault.valueOf(args[1]);
        double dropout = Double.parseDouble(args[2]);
        Torch.setThreads(LocalLauncher.workerThreads());
        try (ProcessGroup group = ProcessGroup.join(env, Duration.ofSeconds(60));
                Model model = Model.create("stack-2", ModelOptions.defaults().dtype(DType.FLOAT64).seed(1 + env.rank())
                        .dropout(dropout));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(7);
            Tensor images = model.randomInput(2 * env.worldSize(), 8);
            Tensor labels = model.randomLabels(2 * env.worldSize());
            DistributedGradientCheck.Outcome o = DistributedGradientCheck.run(group, model, images, labels, mode, 3, fault);
            System.out.println("rank " + env.rank() + " max-relative-error " + o.maxRelativeError());
            System.out.println("rank " + env.rank() + " parameter-checksum " + o.parameterChecksum());
        }
    }
}
