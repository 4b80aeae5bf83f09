package io.github.revnet.core.distributed;

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
    BROKEN_DROPOUT_REPLAY_ON_RANK_1
}
