package io.github.revnet.core.layers;

import io.github.revnet.bridge.CustomFunction;
import io.github.revnet.core.ReplicaSum;
import org.bytedeco.pytorch.Tensor;

/**
 * A sum over the replicas that autograd differentiates: forward sums the input over the replicas; backward sums
 * dL/d(output) over them, since every replica's output is the same sum of every replica's input. This is how
 * {@code SyncBatchNorm}'s statistics reach the whole global batch in both directions. Every replica runs both halves in
 * the same order: forwards in the order layers run, backwards in the order autograd reaches them.
 */
final class ReplicaSumFunction extends CustomFunction {
    private final ReplicaSum replicas;

    ReplicaSumFunction(ReplicaSum replicas) {
        this.replicas = replicas;
    }

    @Override
    protected Tensor forward(Tensor input) {
        Tensor sum = input.clone();
        replicas.sumInPlace(sum);
        return sum;
    }

    @Override
    protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        // Every replica must take part in the collective, whether or not its own input needs the gradient.
        Tensor sum = gradOutput.contiguous().clone();
        replicas.sumInPlace(sum);
        return needsInputGrad ? sum : null;
    }
}
