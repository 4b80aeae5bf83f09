package io.github.revnet.core.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.ReplicaSum;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Synchronised batch norm's one collective, two replicas played in one thread: replica 1's gathered slot is recorded,
 * replica 0's sum adds it, so replica 0 normalises by the statistics of both batches. Checked against float64 over the
 * concatenated batch, with a channel whose mean is 1000 times its spread, where a variance from sums of squares
 * (E[x²] − E[x]²) loses everything in float32.
 */
class SynchronisedBatchNormTest {
    private static double worstRelative(Tensor a, Tensor exact) {
        return a.to(torch.ScalarType.Double).sub(exact).abs().max().item_double() / exact.abs().max().item_double();
    }

    @Test
    void twoReplicasNormaliseByTheirGlobalBatchWithoutCancellation() {
        Torch.ensureLoaded();
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(5);
            // channel 0: mean 1000, spread 1; channel 1: mean 0, spread 3; replicas' batches differ in mean too
            Tensor shift = torch.tensor(new float[] {1000f, 0f}).view(1, 2, 1, 1);
            Tensor spread = torch.tensor(new float[] {1f, 3f}).view(1, 2, 1, 1);
            Tensor x0 = torch.randn(new long[] {3, 2, 4, 4}).mul(spread).add(shift);
            Tensor x1 = torch.randn(new long[] {5, 2, 4, 4}).mul(spread).add(shift).add(new Scalar(0.5));
            float[][] other = new float[1][];
            BatchNorm one = new BatchNorm(2);
            one.train(true);
            one.synchronise(ReplicaSum.of(1, 2, t -> {
                other[0] = new float[(int) t.numel()];
                t.contiguous().data_ptr_float().get(other[0]);
            }));
            Grad.off(() -> one.forward(x1));
            BatchNorm zero = new BatchNorm(2);
            zero.train(true);
            zero.synchronise(ReplicaSum.of(0, 2, t -> t.add_(torch.tensor(other[0]).to(t.scalar_type()))));
            Tensor y0 = Grad.off(() -> zero.forward(x0));

            Tensor all = torch.cat(new TensorVector(x0, x1), 0).to(torch.ScalarType.Double);
            long[] dims = {0, 2, 3};
            Tensor mean = all.mean(dims, true, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor var = all.sub(mean).pow(new Scalar(2)).mean(dims, true, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor exact = x0.to(torch.ScalarType.Double).sub(mean).div(var.add(new Scalar(1e-5)).sqrt());
            double error = worstRelative(y0, exact);
            // x0 rounded to float32 at 1000 carries 2^-14 of absolute error, 6e-5 of the unit spread: the bound is that
            assertTrue(error < 2e-4, "replica 0 against float64 over both batches: " + error);

            // negative control: normalising by replica 0's batch alone is far off the global batch's statistics
            Tensor m0 = x0.to(torch.ScalarType.Double).mean(dims, true, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor v0 = x0.to(torch.ScalarType.Double).sub(m0).pow(new Scalar(2)).mean(dims, true, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor local = x0.to(torch.ScalarType.Double).sub(m0).div(v0.add(new Scalar(1e-5)).sqrt());
            assertTrue(worstRelative(local, exact) > 1e-2, "the local statistics must differ: " + worstRelative(local, exact));
        }
    }
}
