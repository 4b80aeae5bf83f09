package io.github.revnet.core.kernels;

import io.github.revnet.bridge.Grad;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The audit of LibTorch's scaled-dot-product attention ({@code softmax(QKᵀ/√d) V}, its CPU flash kernel), forward and the
 * gradients of Q, K and V, against float64, on {@link KernelAudit}'s terms.
 *
 * <p>The bound is a first-order rounding analysis of its stages, with {@code γ̃_n} of {@link RoundingBound} for each sum
 * and u for each element-wise step: the scores {@code S = QKᵀ/√d} are off by {@code E_S = γ̃_d |Q||K|ᵀ/√d + u|S|}; the
 * probabilities by {@code E_P = P ⊙ (E_S + rowsum(P ⊙ E_S) + γ̃_T + 4u)} (softmax moves with the score differences;
 * the running maximum and rescaling of a blocked softmax add a few roundings); the output {@code O = PV} by
 * {@code E_P|V| + γ̃_T P|V|}. The backward follows {@code dV = Pᵀ dO}, {@code dP = dO Vᵀ},
 * {@code dS = P ⊙ (dP − rowsum(dP ⊙ P))}, {@code dQ = dS K/√d}, {@code dK = dSᵀ Q/√d} the same way. Every bound is
 * doubled for dropped second-order terms, plus the output's own rounding.
 */
public final class AttentionAudit {
    private AttentionAudit() {
    }

    public static String describe(long[] shape, boolean causal) {
        return "attention " + shape[1] + " heads x " + shape[3] + ", " + shape[2] + " tokens" + (causal ? " causal" : "") + ", batch " + shape[0];
    }

    /** Audits attention over queries, keys and values of {@code shape} ({@code [B, heads, T, d]}) in {@code dtype}. */
    public static KernelVerdict attention(long[] shape, boolean causal, KernelDType dtype) {
        return KernelAudit.run(() -> {
            Generator generator = KernelAudit.generator(31L * java.util.Arrays.hashCode(shape) + (causal ? 1 : 0));
            Tensor q = KernelAudit.gaussian(shape, generator, dtype);
            Tensor k = KernelAudit.gaussian(shape, generator, dtype);
            Tensor v = KernelAudit.gaussian(shape, generator, dtype);
            Tensor dOut = KernelAudit.gaussian(shape, generator, dtype);
            Tensor[] exact = pass(q, k, v, dOut, causal, torch.ScalarType.Double, false);
            Tensor[] first = pass(q, k, v, dOut, causal, dtype.scalarType(), true);
            Tensor[] second = pass(q, k, v, dOut, causal, dtype.scalarType(), true);
            boolean deterministic = true;
            for (int i = 0; i < first.length; i++) {
                deterministic &= torch.equal(first[i], second[i]);
            }
            Tensor[] bounds = bounds(q, k, v, dOut, causal, exact, dtype);
            List<KernelVerdict.Output> outputs = List.of(
                    KernelAudit.compareWithin("forward", first[0], exact[0], bounds[0]),
                    KernelAudit.compareWithin("query gradient", first[1], exact[1], bounds[1]),
                    KernelAudit.compareWithin("key gradient", first[2], exact[2], bounds[2]),
                    KernelAudit.compareWithin("value gradient", first[3], exact[3], bounds[3]));
            return new KernelVerdict(describe(shape, causal), dtype, "LibTorch's default kernel", outputs, deterministic);
        });
    }

    static Tensor[] pass(Tensor q, Tensor k, Tensor v, Tensor dOut, boolean causal, torch.ScalarType type, boolean poison) {
        if (poison) {
            KernelAudit.poisonFreedMemory(4 * q.numel() + q.size(0) * q.size(1) * q.size(2) * q.size(2));
        }
        Tensor qi = q.detach().to(type).requires_grad_(true);
        Tensor ki = k.detach().to(type).requires_grad_(true);
        Tensor vi = v.detach().to(type).requires_grad_(true);
        Tensor out = torch.scaled_dot_product_attention(qi, ki, vi, new TensorOptional(), 0.0, causal, new DoubleOptional(), false);
        if (poison) {
            KernelAudit.poisonFreedMemory(4 * q.numel());
        }
        out.backward(dOut.to(type), new BoolOptional(), false, new TensorArrayRefOptional());
        return new Tensor[] {out.detach(), qi.grad(), ki.grad(), vi.grad()};
    }

    private static Tensor rowSum(Tensor t) {
        return t.sum(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
    }

    static Tensor[] bounds(Tensor q, Tensor k, Tensor v, Tensor dOut, boolean causal, Tensor[] exact, KernelDType dtype) {
        return Grad.off(() -> {
            long t = q.size(2);
            long d = q.size(3);
            double scale = 1 / Math.sqrt(d);
            double gd = RoundingBound.gamma(d, dtype);
            double gt = RoundingBound.gamma(t, dtype);
            double u = dtype.unitRoundoff();
            Scalar two = new Scalar(2);
            Tensor kt = k.transpose(-2, -1);
            Tensor scores = q.matmul(kt).mul(new Scalar(scale));
            Tensor eS = q.abs().matmul(kt.abs()).mul(new Scalar(gd * scale)).add(scores.abs().mul(new Scalar(u)));
            if (causal) {
                Tensor above = torch.ones(new long[] {t, t}, new TensorOptions(torch.ScalarType.Bool)).triu(1);
                scores = scores.masked_fill(above, new Scalar(Double.NEGATIVE_INFINITY));
                eS = eS.masked_fill(above, new Scalar(0.0));
            }
            Tensor p = torch.softmax(scores, -1, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor eP = p.mul(eS.add(rowSum(p.mul(eS))).add(new Scalar(gt + 4 * u)));
            Tensor absV = v.abs();
            Tensor forward = eP.matmul(absV).add(p.matmul(absV).mul(new Scalar(gt))).mul(two).add(exact[0].abs().mul(new Scalar(u)));
            Tensor absDOut = dOut.abs();
            Tensor dV = eP.transpose(-2, -1).matmul(absDOut).add(p.transpose(-2, -1).matmul(absDOut).mul(new Scalar(gt))).mul(two)
                    .add(exact[3].abs().mul(new Scalar(u)));
            Tensor dP = dOut.matmul(v.transpose(-2, -1));
            Tensor eDP = absDOut.matmul(absV.transpose(-2, -1)).mul(new Scalar(gd)).add(dP.abs().mul(new Scalar(u)));
            Tensor r = rowSum(dP.mul(p));
            Tensor eR = rowSum(eDP.mul(p).add(dP.abs().mul(eP))).add(rowSum(dP.mul(p).abs()).mul(new Scalar(gt)));
            Tensor centred = dP.sub(r);
            Tensor dS = p.mul(centred);
            Tensor eDS = eP.mul(centred.abs()).add(p.mul(eDP.add(eR))).add(p.mul(centred.abs()).mul(new Scalar(2 * u)));
            Tensor absK = k.abs();
            Tensor absQ = q.abs();
            Tensor dQ = eDS.matmul(absK).add(dS.abs().matmul(absK).mul(new Scalar(gt))).mul(new Scalar(2 * scale))
                    .add(exact[1].abs().mul(new Scalar(u)));
            Tensor dK = eDS.transpose(-2, -1).matmul(absQ).add(dS.abs().transpose(-2, -1).matmul(absQ).mul(new Scalar(gt)))
                    .mul(new Scalar(2 * scale)).add(exact[2].abs().mul(new Scalar(u)));
            return new Tensor[] {forward, dQ, dK, dV};
        });
    }
}
