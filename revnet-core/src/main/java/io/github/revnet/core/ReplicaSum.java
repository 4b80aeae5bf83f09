package io.github.revnet.core;

import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;

/**
 * Sums a tensor over the replicas of a data-parallel job, in place: what a layer that needs the whole global batch
 * (synchronised batch normalisation) asks of the job, without knowing how the replicas talk. Every replica must call it
 * with tensors of the same shape and in the same order, as with any collective. A replica knows its index among them, so
 * that a sum of vectors zero but in each replica's own slot gathers every replica's values in one collective.
 */
public interface ReplicaSum {
    /** Replaces {@code t} by its sum over the replicas, and returns once it has. */
    void sumInPlace(Tensor t);

    /** This replica's index, in [0, {@link #count()}). */
    int index();

    /** How many replicas take part. */
    int count();

    /** The replicas {@code index} of {@code count}, summing by {@code sum}. */
    static ReplicaSum of(int index, int count, Consumer<Tensor> sum) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("replica " + index + " of " + count);
        }
        return new ReplicaSum() {
            @Override
            public void sumInPlace(Tensor t) {
                sum.accept(t);
            }

            @Override
            public int index() {
                return index;
            }

            @Override
            public int count() {
                return count;
            }
        };
    }

    /** The same replicas, summing by {@code sum} instead (a planted fault's sum, say). */
    default ReplicaSum summingBy(Consumer<Tensor> sum) {
        return of(index(), count(), sum);
    }
}
