package io.github.revnet.core.distributed;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Bugs of data-parallel reversible training, planted on purpose: the negative controls that {@link DistributedGradientCheck}
 * must catch. Each is a bug the reversible libraries have shipped or been reported with under DistributedDataParallel.
 */
public enum DistributedFault {
    /** No fault. */
    NONE,
    /** The allreduce left out: each rank keeps its own shard's gradients. */
    NO_AVERAGE,
    /** One parameter's gradient summed over the ranks a second time (a hook that fires twice: "mark a variable ready only once"). */
    REDUCED_TWICE,
    /** One parameter left out of every bucket: its gradient stays the rank's own. */
    PARAMETER_LEFT_OUT,
    /** Rank 1's recomputation does not restore the dropout stream, so its masks differ from its forward's. */
    BROKEN_DROPOUT_REPLAY_ON_RANK_1;

    /**
     * Averages {@code parameters}' gradients over {@code group}, with this fault planted where it lies in the averaging
     * (the first parameter is the one a fault singles out); a fault that lies elsewhere averages correctly.
     */
    public void averageGradients(ProcessGroup group, Map<String, Tensor> parameters) {
        Map<String, Tensor> params = new LinkedHashMap<>(parameters);
        String first = params.keySet().iterator().next();
        switch (this) {
            case NO_AVERAGE -> { }
            case PARAMETER_LEFT_OUT -> {
                params.remove(first);
                group.averageGradients(params);
            }
            case REDUCED_TWICE -> {
                group.averageGradients(params);
                group.allreduceSum(params.get(first).grad());
            }
            default -> group.averageGradients(params);
        }
    }
}
