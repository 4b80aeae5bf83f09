package io.github.revnet.core.kernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Batch normalisation and attention against float64 within their stage-by-stage rounding bounds: LibTorch's kernels
 * pass in both dtypes, and a float32 result off by 1e-4 (a per-channel sum: 1e-3) does not.
 */
class NormalisationAndAttentionAuditTest {
    private static final long[][] NORM_SHAPES = {{2, 4, 3, 3}, {8, 16, 8, 8}, {32, 56, 8, 8}, {1, 3, 1, 2}, {4, 24, 16, 16}};
    private static final long[][] ATTENTION_SHAPES = {{2, 4, 16, 16}, {4, 2, 33, 4}, {1, 1, 1, 1}, {3, 1, 7, 2}};

    @Test
    void libtorchsBatchNormIsWithinItsBoundInBothDtypes() {
        for (KernelDType dtype : KernelDType.values()) {
            for (long[] shape : NORM_SHAPES) {
                KernelVerdict v = NormalisationAudit.batchNorm(shape, dtype);
                assertTrue(v.pass(), v.kernel() + " " + dtype + ": " + v.findings());
            }
        }
    }

    @Test
    void libtorchsAttentionIsWithinItsBoundInBothDtypesCausalOrNot() {
        for (KernelDType dtype : KernelDType.values()) {
            for (long[] shape : ATTENTION_SHAPES) {
                for (boolean causal : new boolean[] {false, true}) {
                    KernelVerdict v = AttentionAudit.attention(shape, causal, dtype);
                    assertTrue(v.pass(), v.kernel() + " " + dtype + ": " + v.findings());
                }
            }
        }
    }

    @Test
    void aBatchNormOrAttentionResultOff1e4IsOutsideItsBound() {
        Torch.ensureLoaded();
        try (NativeScope scope = NativeScope.open()) {
            long[] shape = {8, 16, 8, 8};
            var g = KernelAudit.generator(5);
            Tensor x = KernelAudit.gaussian(shape, g, KernelDType.FLOAT32);
            Tensor gamma = KernelAudit.gaussian(new long[] {16}, g, KernelDType.FLOAT32).abs().add(new Scalar(0.5));
            Tensor beta = KernelAudit.gaussian(new long[] {16}, g, KernelDType.FLOAT32);
            Tensor dy = KernelAudit.gaussian(shape, g, KernelDType.FLOAT32);
            Tensor[] exact = io.github.revnet.bridge.Grad.on(() -> NormalisationAudit.pass(x, gamma, beta, dy, torch.ScalarType.Double, false));
            Tensor[] bounds = NormalisationAudit.bounds(x, gamma, beta, dy, exact, KernelDType.FLOAT32);
            for (int i = 0; i < exact.length; i++) {
                // The output and input gradient are element-wise: 1e-4 is far outside their rounding. The weight and bias
                // gradients are per-channel sums of 512 terms cancelling to about √512 of their size, whose rounding bound is
                // 3e-4 relative: 1e-3 is outside it.
                double off = i < 2 ? 1e-4 : 1e-3;
                assertTrue(KernelAudit.compareWithin("exact", exact[i], exact[i], bounds[i]).pass());
                assertFalse(KernelAudit.compareWithin("off", exact[i].mul(new Scalar(1 + off)), exact[i], bounds[i]).pass(),
                        "batch norm output " + i + " off by " + off + " passed");
            }
            long[] qShape = {4, 2, 33, 4};
            Tensor q = KernelAudit.gaussian(qShape, g, KernelDType.FLOAT32);
            Tensor k = KernelAudit.gaussian(qShape, g, KernelDType.FLOAT32);
            Tensor v = KernelAudit.gaussian(qShape, g, KernelDType.FLOAT32);
            Tensor dOut = KernelAudit.gaussian(qShape, g, KernelDType.FLOAT32);
            Tensor[] exactAttention = io.github.revnet.bridge.Grad.on(() -> AttentionAudit.pass(q, k, v, dOut, true, torch.ScalarType.Double, false));
            Tensor[] attentionBounds = AttentionAudit.bounds(q, k, v, dOut, true, exactAttention, KernelDType.FLOAT32);
            for (int i = 0; i < exactAttention.length; i++) {
                assertFalse(KernelAudit.compareWithin("off", exactAttention[i].mul(new Scalar(1 + 1e-4)), exactAttention[i], attentionBounds[i]).pass(),
                        "attention output " + i + " off by 1e-4 passed");
            }
        }
    }
}
