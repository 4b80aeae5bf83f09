package io.github.revnet.core.layers;

import io.github.revnet.bridge.Grad;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.ReplicaSum;
import io.github.revnet.core.kernels.KernelRouting;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * 2-D batch normalisation with LibTorch's defaults (momentum 0.1, eps 1e-5, affine).
 *
 * <p>{@link #synchronise Synchronised} over the replicas of a data-parallel job, it normalises in training mode with the
 * statistics of the global batch, as PyTorch's {@code SyncBatchNorm} does: one collective per forward gathers every
 * replica's count, mean and sum of squares about its own mean (combined without cancellation, as Chan's parallel
 * variance is), and one per backward sums their gradients over the replicas. A reversible recomputation
 * recomputes them the same way on every replica, so it sees the global statistics the forward saw; the running
 * statistics move once per step by the global batch's mean and unbiased variance, and equal on every replica.
 */
public final class BatchNorm extends Layer {
    private static final long[] CHANNEL_DIMS = {0, 2, 3};
    private final int channels;
    private final BatchNorm2dImpl norm;
    private ReplicaSum replicas;

    public BatchNorm(int channels) {
        this.channels = Check.positive("batch-norm channels", channels);
        norm = addNative("bn", new BatchNorm2dImpl(new BatchNormOptions(channels)));
    }

    /** Normalise over the global batch of the replicas {@code sum} joins, or (null) over this replica's batch alone. */
    public void synchronise(ReplicaSum sum) {
        this.replicas = sum;
    }

    /** Whether training-mode statistics are the global batch's. */
    public boolean synchronised() {
        return replicas != null;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (isTraining()) {
            if (replicas != null) {
                return synchronisedForward(input);
            }
            KernelRouting.requireBatchNorm(input);
        }
        return norm.forward(input);
    }

    private Tensor synchronisedForward(Tensor input) {
        // bfloat16 inputs (autocast) take their statistics in float32, as LibTorch's kernel does.
        Tensor x = input.scalar_type() == torch.ScalarType.BFloat16 ? input.to(torch.ScalarType.Float) : input;
        // Each replica's count, mean and sum of squares about its own mean, gathered in one collective: a vector zero but
        // in this replica's slot, summed over the replicas (PyTorch's SyncBatchNorm gathers the same three, then
        // combines them as below). Differences from the global mean are taken of the replicas' means, not of sums of
        // squares, so nothing cancels when a channel's mean is large against its spread.
        int replicas = this.replicas.count();
        long width = 2L * channels + 1;
        double count = (double) x.numel() / channels;
        Tensor localMean = x.mean(CHANNEL_DIMS, false, new ScalarTypeOptional());
        Tensor localCentred = x.sub(localMean.view(1, channels, 1, 1));
        Tensor localSquares = localCentred.mul(localCentred).sum(CHANNEL_DIMS, false, new ScalarTypeOptional());
        TensorVector slots = new TensorVector();
        int index = this.replicas.index();
        if (index > 0) {
            slots.push_back(torch.zeros(new long[] {index * width}, x.options()));
        }
        slots.push_back(localMean);
        slots.push_back(localSquares);
        slots.push_back(torch.full(new long[] {1}, new Scalar(count), x.options()));
        if (index < replicas - 1) {
            slots.push_back(torch.zeros(new long[] {(replicas - 1 - index) * width}, x.options()));
        }
        Tensor gathered = new ReplicaSumFunction(this.replicas).apply(torch.cat(slots, 0)).view(replicas, width);
        Tensor means = gathered.narrow(1, 0, channels);
        Tensor squares = gathered.narrow(1, channels, channels);
        Tensor counts = gathered.narrow(1, 2L * channels, 1);
        Tensor globalCount = counts.sum();
        Tensor mean = counts.mul(means).sum(new long[] {0}, false, new ScalarTypeOptional()).div(globalCount);
        Tensor offsets = means.sub(mean.view(1, channels));
        Tensor between = counts.mul(offsets).mul(offsets).sum(new long[] {0}, false, new ScalarTypeOptional());
        Tensor variance = squares.sum(new long[] {0}, false, new ScalarTypeOptional()).add(between).div(globalCount);
        Tensor centred = x.sub(mean.view(1, channels, 1, 1));
        Tensor scale = variance.add(new Scalar(norm.options().eps().get())).rsqrt().mul(norm.weight());
        Tensor out = centred.mul(scale.view(1, channels, 1, 1)).add(norm.bias().view(1, channels, 1, 1));
        updateRunningStatistics(mean, variance, globalCount);
        return out.scalar_type() == input.scalar_type() ? out : out.to(input.scalar_type());
    }

    /** running ← (1 − momentum)·running + momentum·batch, the variance unbiased by n / (n − 1), as {@code batch_norm} updates them. */
    private void updateRunningStatistics(Tensor mean, Tensor variance, Tensor globalCount) {
        Grad.off(() -> {
            double momentum = norm.options().momentum().get();
            double n = globalCount.item_double();
            Tensor runningMean = norm.running_mean();
            Tensor runningVar = norm.running_var();
            runningMean.mul_(new Scalar(1 - momentum)).add_(mean.detach().to(runningMean.scalar_type()), new Scalar(momentum));
            runningVar.mul_(new Scalar(1 - momentum)).add_(variance.detach().to(runningVar.scalar_type()),
                    new Scalar(momentum * n / Math.max(n - 1, 1)));
            norm.num_batches_tracked().add_(new Scalar(1));
            return null;
        });
    }

    @Override
    public long[] outputShape(long[] s) {
        Check.rank4("batch-norm input", s);
        if (s[1] != channels) {
            throw new IllegalArgumentException("batch norm expects " + channels + " channels, got " + s[1]);
        }
        return s.clone();
    }
}
