package io.github.revnet.core.distributed;

import io.github.revnet.bridge.Grad;
import io.github.revnet.core.ReplicaSum;

/**
 * Bugs of synchronised batch normalisation under a reversible recomputation, planted on purpose: the negative controls
 * that {@link DistributedGradientCheck#runSynchronised} must catch. Each replaces the replicas' sum by a faulty one; all
 * ranks plant the same fault, so no collective is left waiting.
 */
public enum SyncBatchNormFault {
    /** No fault. */
    NONE,
    /** Nothing summed: every replica normalises by its own batch, as plain DistributedDataParallel does. */
    LOCAL_STATISTICS,
    /** The statistics summed in the forward, their gradients not in the backward (each replica's share of them lost). */
    GRADIENTS_NOT_SUMMED,
    /**
     * The recomputation forgets it runs under SyncBatchNorm: the reconstruction and the re-forward normalise by each
     * replica's batch, while the forward and the backward's gradient sums stay global. Stored mode, which recomputes
     * nothing, is untouched by it.
     */
    LOCAL_RECOMPUTATION;

    /** The sum to hand the model: {@code intact}, or it with this fault planted; {@code forwardDone} says the forward ended. */
    ReplicaSum plant(ReplicaSum intact, java.util.function.BooleanSupplier forwardDone) {
        return switch (this) {
            case NONE -> intact;
            case LOCAL_STATISTICS -> intact.summingBy(t -> { });
            // A replica-sum's backward is the only one that runs with autograd recording (its forward runs without).
            case GRADIENTS_NOT_SUMMED -> intact.summingBy(t -> {
                if (!Grad.isEnabled()) {
                    intact.sumInPlace(t);
                }
            });
            case LOCAL_RECOMPUTATION -> intact.summingBy(t -> {
                if (!forwardDone.getAsBoolean() || Grad.isEnabled()) {
                    intact.sumInPlace(t);
                }
            });
        };
    }
}
