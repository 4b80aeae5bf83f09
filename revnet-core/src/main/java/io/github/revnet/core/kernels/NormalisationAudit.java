package io.github.revnet.core.kernels;

import io.github.revnet.bridge.Grad;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The audit of batch normalisation in training mode (the only mode the harness's steps differentiate), forward and the
 * three gradients, against float64, on {@link KernelAudit}'s terms (same values, NaN-poisoned memory, two runs equal).
 *
 * <p>The bound is a first-order rounding analysis of the kernel's stages, per channel over its {@code M = N·H·W} values,
 * with {@code γ̃ = γ̃_M(λ)} of {@link RoundingBound} for each sum (accumulated in float32) and u the tensor type's unit
 * roundoff for each element-wise stage: the mean is off by
 * at most {@code eμ = γ̃·mean|x|}; the variance {@code v} relatively by {@code γ̃ + 2·eμ·mean|x − μ| / (v + eps) + 2u}; the
 * standard deviation by half that plus u; so {@code x̂_i} by {@code (eμ + u|x_i − μ|) / s + |x̂_i| (e_s + u)} and
 * {@code y_i = γ x̂_i + β} by {@code |γ|} times that plus u of each term. The gradients follow the same way from
 * {@code dβ = Σ dy}, {@code dγ = Σ dy·x̂} (where the mean's error is common to every term and each x̂'s own roundings are
 * independent, so they add as a probabilistic sum does) and {@code dx = γ/s · (dy − dβ/M − x̂·dγ/M)}. Every bound is doubled for the
 * second-order terms the analysis drops, and the output's own rounding is added.
 */
public final class NormalisationAudit {
    private static final double EPS = 1e-5;

    private NormalisationAudit() {
    }

    public static String describe(long[] shape) {
        return "batch norm " + shape[1] + " channels, " + shape[2] + "x" + shape[3] + ", batch " + shape[0];
    }

    /** Audits training-mode batch normalisation of an input of {@code shape} ({@code [N, C, H, W]}) in {@code dtype}. */
    public static KernelVerdict batchNorm(long[] shape, KernelDType dtype) {
        return KernelAudit.run(() -> {
            Generator generator = KernelAudit.generator(java.util.Arrays.hashCode(shape));
            long c = shape[1];
            Tensor x = KernelAudit.gaussian(shape, generator, dtype);
            Tensor gamma = KernelAudit.rounded(KernelAudit.gaussian(new long[] {c}, generator, dtype).abs().add(new Scalar(0.5)), dtype);
            Tensor beta = KernelAudit.gaussian(new long[] {c}, generator, dtype);
            Tensor dy = KernelAudit.gaussian(shape, generator, dtype);
            Tensor[] exact = pass(x, gamma, beta, dy, torch.ScalarType.Double, false);
            Tensor[] first = pass(x, gamma, beta, dy, dtype.scalarType(), true);
            Tensor[] second = pass(x, gamma, beta, dy, dtype.scalarType(), true);
            boolean deterministic = true;
            for (int i = 0; i < first.length; i++) {
                deterministic &= torch.equal(first[i], second[i]);
            }
            Tensor[] bounds = bounds(x, gamma, beta, dy, exact, dtype);
            List<KernelVerdict.Output> outputs = List.of(
                    KernelAudit.compareWithin("forward", first[0], exact[0], bounds[0]),
                    KernelAudit.compareWithin("input gradient", first[1], exact[1], bounds[1]),
                    KernelAudit.compareWithin("weight gradient", first[2], exact[2], bounds[2]),
                    KernelAudit.compareWithin("bias gradient", first[3], exact[3], bounds[3]));
            return new KernelVerdict(describe(shape), dtype, "LibTorch's default kernel", outputs, deterministic);
        });
    }

    static Tensor[] pass(Tensor x, Tensor gamma, Tensor beta, Tensor dy, torch.ScalarType type, boolean poison) {
        if (poison) {
            KernelAudit.poisonFreedMemory(3 * x.numel());
        }
        Tensor xi = x.detach().to(type).requires_grad_(true);
        Tensor gi = gamma.detach().to(type).requires_grad_(true);
        Tensor bi = beta.detach().to(type).requires_grad_(true);
        long c = x.size(1);
        Tensor runningMean = torch.zeros(new long[] {c}, new org.bytedeco.pytorch.TensorOptions(type));
        Tensor runningVar = torch.ones(new long[] {c}, new org.bytedeco.pytorch.TensorOptions(type));
        Tensor y = torch.batch_norm(xi, new TensorOptional(gi), new TensorOptional(bi), new TensorOptional(runningMean),
                new TensorOptional(runningVar), true, 0.1, EPS, false);
        if (poison) {
            KernelAudit.poisonFreedMemory(3 * x.numel());
        }
        y.backward(dy.to(type), new BoolOptional(), false, new TensorArrayRefOptional());
        return new Tensor[] {y.detach(), xi.grad(), gi.grad(), bi.grad()};
    }

    /** Per-channel mean over N, H, W, kept as [1, C, 1, 1]. */
    private static Tensor channelMean(Tensor t) {
        return t.mean(new long[] {0, 2, 3}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
    }

    private static Tensor channelSum(Tensor t) {
        return t.sum(new long[] {0, 2, 3}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
    }

    static Tensor[] bounds(Tensor x, Tensor gamma, Tensor beta, Tensor dy, Tensor[] exact, KernelDType dtype) {
        return Grad.off(() -> {
            long m = x.size(0) * x.size(2) * x.size(3);
            double g = RoundingBound.gamma(m, dtype);
            // Sums accumulate in float32, but element-wise stages (centring, scaling, the affine map) may round to the
            // tensor's own type: in bfloat16 LibTorch's kernel is off by about one bfloat16 rounding of γ·x̂ and β each.
            double u = dtype.unitRoundoff();
            double uo = dtype.unitRoundoff();
            Tensor gm = gamma.reshape(1, -1, 1, 1);
            Tensor bt = beta.reshape(1, -1, 1, 1);
            Tensor mu = channelMean(x);
            Tensor centred = x.sub(mu);
            Tensor v = channelMean(centred.mul(centred));
            Tensor s = v.add(new Scalar(EPS)).sqrt();
            Tensor xhat = centred.div(s);
            Tensor eMu = channelMean(x.abs()).mul(new Scalar(g));
            Tensor eS = channelMean(centred.abs()).mul(eMu).mul(new Scalar(2)).div(v.add(new Scalar(EPS))).add(new Scalar(g + 2 * u))
                    .mul(new Scalar(0.5)).add(new Scalar(u));
            // x̂ may be formed as x·(1/s) − μ/s: its own roundings are of (|x| + |μ|)/s, not of |x − μ|/s.
            Tensor eXhat = eMu.add(x.abs().add(mu.abs()).mul(new Scalar(u))).div(s).add(xhat.abs().mul(eS.add(new Scalar(u))));
            Tensor absGamma = gm.abs();
            // The kernel may fold the normalisation into y = x·(γ/s) + (β − μγ/s), rounding each product: its roundings are
            // then of |γ|(|x| + |μ|)/s and |β|, not of |γ x̂| (a 3x7x6x2 bfloat16 case erred 2.3 times the narrower bound).
            Tensor folded = absGamma.mul(x.abs().add(mu.abs())).div(s).add(bt.abs());
            Tensor forward = absGamma.mul(eXhat).add(folded.mul(new Scalar(2 * u))).mul(new Scalar(2))
                    .add(exact[0].abs().mul(new Scalar(uo)));
            Tensor adY = dy.abs();
            Tensor dBeta = channelSum(dy);
            Tensor dGamma = channelSum(dy.mul(xhat));
            Tensor eDBeta = channelSum(adY).mul(new Scalar(g));
            // dγ = Σ dy·x̂: the mean's error is common to every x̂ (it moves dγ by eμ/s·|Σ dy|), the deviation's scales dγ
            // itself, and each x̂'s own roundings are independent (λ·2u·‖dy ⊙ x̂‖₂, as in the probabilistic sum bound).
            Tensor dyXhat = dy.mul(xhat);
            Tensor ownRounding = dy.mul(x.abs().add(mu.abs())).div(s);
            Tensor eDGamma = channelSum(dyXhat.abs()).mul(new Scalar(g)).add(eMu.div(s).mul(dBeta.abs())).add(dGamma.abs().mul(eS.add(new Scalar(u))))
                    .add(channelSum(ownRounding.mul(ownRounding)).sqrt().mul(new Scalar(RoundingBound.LAMBDA * 2 * u)));
            Tensor inner = adY.mul(new Scalar(u)).add(eDBeta.div(new Scalar(m))).add(xhat.abs().mul(eDGamma).div(new Scalar(m)))
                    .add(eXhat.mul(dGamma.abs()).div(new Scalar(m)))
                    .add(adY.add(dBeta.abs().div(new Scalar(m))).add(x.abs().add(mu.abs()).div(s).mul(dGamma.abs()).div(new Scalar(m)))
                            .mul(new Scalar(2 * u)));
            Tensor dx = absGamma.div(s).mul(inner).add(exact[1].abs().mul(eS.add(new Scalar(u)))).mul(new Scalar(2))
                    .add(exact[1].abs().mul(new Scalar(uo)));
            // A reduction may round its partial sums (per thread) to the output type before the last rounding: two roundings.
            Tensor dGammaBound = eDGamma.mul(new Scalar(2)).add(dGamma.abs().mul(new Scalar(2 * uo))).reshape(-1);
            Tensor dBetaBound = eDBeta.mul(new Scalar(2)).add(dBeta.abs().mul(new Scalar(2 * uo))).reshape(-1);
            return new Tensor[] {forward, dx, dGammaBound, dBetaBound};
        });
    }
}
