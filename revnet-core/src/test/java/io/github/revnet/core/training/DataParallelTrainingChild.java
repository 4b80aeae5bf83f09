package io.github.revnet.core.training;

import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.distributed.DistributedFault;
import io.github.revnet.core.distributed.LaunchEnvironment;
import io.github.revnet.core.distributed.LocalLauncher;
import io.github.revnet.core.distributed.ProcessGroup;
import io.github.revnet.core.models.Plan;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One rank of {@link DataParallelTrainingTest}'s jobs: revnet-38 on 64 Fashion-MNIST images, global batch 8, reversible
 * mode, dropout-free, constant rate. Prints each step on rank 0 and, on every rank, "rank R hashes H0,H1,...".
 * Arguments: FAULT STEPS CHECKPOINT_DIR|- RESUME [AVERAGING [PLAN|- [SYNC_BN [STOP_AFTER]]]] (default: overlapped, or
 * after-backward with a fault; with a PLAN, the hybrid mode instead of reversible mode; with SYNC_BN true, synchronised
 * batch norm in float64; STOP_AFTER ends the run after that step's checkpoint).
 */
public final class DataParallelTrainingChild {
    private DataParallelTrainingChild() {
    }

    public static void main(String[] args) throws Exception {
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        DistributedFault fault = DistributedFault.valueOf(args[0]);
        int steps = Integer.parseInt(args[1]);
        var checkpointing = args[2].equals("-") ? TrainingComparison.Checkpointing.NONE
                : new TrainingComparison.Checkpointing(Path.of(args[2]), 1, Boolean.parseBoolean(args[3]),
                        args.length > 7 ? Integer.parseInt(args[7]) : 0);
        boolean syncBatchNorm = args.length > 6 && Boolean.parseBoolean(args[6]);
        DType dtype = syncBatchNorm ? DType.FLOAT64 : DType.FLOAT32;
        Torch.setThreads(LocalLauncher.workerThreads());
        FashionMnist data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        var options = new TrainingComparison.Options("revnet-38", steps, 8, 5, 0.05, LearningRateSchedule.CONSTANT, 1, 64, 40,
                dtype);
        try (ProcessGroup group = ProcessGroup.join(env, Duration.ofSeconds(20))) {
            var averaging = args.length > 4 ? DataParallelTraining.Averaging.parse(args[4])
                    : fault == DistributedFault.NONE ? DataParallelTraining.Averaging.OVERLAPPED : DataParallelTraining.Averaging.AFTER_BACKWARD;
            var replication = new DataParallelTraining.Replication(averaging, syncBatchNorm);
            DataParallelTraining.Result r = args.length > 5 && !args[5].equals("-")
                    ? DataParallelTraining.run(group, data, options, Plan.parse(args[5]), checkpointing, System.out::println, replication)
                    : DataParallelTraining.run(group, data, options, Mode.REVERSIBLE, checkpointing, System.out::println, replication, fault);
            System.out.println("rank " + env.rank() + " hashes " + String.join(",", r.weightHashes()));
        }
    }
}
