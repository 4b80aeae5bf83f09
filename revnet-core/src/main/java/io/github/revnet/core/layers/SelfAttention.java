package io.github.revnet.core.layers;

import io.github.revnet.core.profile.FlopCount;
import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.checks.ActivationEstimate;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * F of a reversible transformer block: LayerNorm → multi-head self-attention → output projection
 * → dropout, over (batch, tokens, width). Without attention dropout the attention is LibTorch's
 * {@code scaled_dot_product_attention}; with it, the same computation in explicit ops, so the
 * probabilities' dropout mask comes from the active random stream and is replayed on recomputation.
 */
public final class SelfAttention extends Layer {
    private final TransformerOptions options;
    private final int out;
    private final LayerNormImpl norm;
    private final LinearImpl qkv;
    private final LinearImpl projection;

    /** Attention whose projection maps back to the stream width. */
    public SelfAttention(TransformerOptions options) {
        this(options, options.width());
    }

    /** Attention whose projection outputs {@code out} features (twice the width for an affine coupling's scale and shift). */
    public SelfAttention(TransformerOptions options, int out) {
        this.options = java.util.Objects.requireNonNull(options, "options");
        this.out = Check.positive("attention output features", out);
        int width = options.width();
        options.heads();
        norm = addNative("norm", new LayerNormImpl(new LayerNormOptions(new LongVector(new long[] {width}))));
        qkv = addNative("qkv", new LinearImpl(width, 3L * width));
        projection = addNative("proj", new LinearImpl(width, out));
    }

    @Override
    public Tensor forward(Tensor input) {
        long batch = input.size(0);
        long tokens = input.size(1);
        int heads = options.heads();
        try (NativeScope scope = NativeScope.open()) {
            // (B, T, 3D) → (3, B, heads, T, d): q, k and v as views
            Tensor normed = norm.forward(input);
            FlopCount.linear(normed, qkv.weight().size(0));
            KernelRouting.requireLinear(normed, qkv.weight());
            FlopCount.attention(batch, tokens, options.width());
            Tensor packed = qkv.forward(normed).reshape(batch, tokens, 3, heads, options.headWidth()).permute(2, 0, 3, 1, 4);
            Tensor attended = attend(packed.select(0, 0), packed.select(0, 1), packed.select(0, 2), tokens);
            Tensor merged = attended.transpose(1, 2).reshape(batch, tokens, options.width());
            FlopCount.linear(merged, projection.weight().size(0));
            KernelRouting.requireLinear(merged, projection.weight());
            return scope.keep(Dropout.apply(projection.forward(merged), options.dropout(), isTraining()));
        }
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, long tokens) {
        double p = options.attentionDropout();
        if (p == 0 || !isTraining()) {
            if (Autocast.current().enabled()) {
                // LibTorch 2.10's CPU scaled_dot_product_attention is slow in bfloat16: 26.3 ms against 3.7 ms in float32 for
                // [32, 4, 64, 16] forward and backward on an AVX-512 EPYC without AMX (Bf16Kernels), which made RevViT steps
                // 1.6-2.2x slower under bf16. It runs in float32 here, as autocast itself runs softmax and layer_norm.
                return Autocast.OFF.enter(() -> sdpa(q.to(torch.ScalarType.Float), k.to(torch.ScalarType.Float),
                        v.to(torch.ScalarType.Float)));
            }
            return sdpa(q, k, v);
        }
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul(new Scalar(1 / Math.sqrt(options.headWidth())));
        if (options.causal()) {
            Tensor above = torch.ones(new long[] {tokens, tokens}, new TensorOptions(torch.ScalarType.Bool)).triu(1);
            scores = scores.masked_fill(above, new Scalar(Double.NEGATIVE_INFINITY));
        }
        return Dropout.apply(scores.softmax(-1), p, true).matmul(v);
    }

    private Tensor sdpa(Tensor q, Tensor k, Tensor v) {
        KernelRouting.requireAttention(q, options.causal());
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, options.causal(), new DoubleOptional(), false);
    }

    /** Bytes autograd saves for an input of {@code s}: see {@link ActivationEstimate}. */
    public long savedBytes(long[] s, int element) {
        long tokens = s[0] * s[1];
        long width = options.width();
        long attention = options.attentionDropout() > 0
                ? s[0] * options.heads() * s[1] * s[1] * (2L * element + 1) // probabilities, dropped probabilities, mask
                : s[0] * options.heads() * s[1] * 4L; // log-sum-exp per query
        long dropout = options.dropout() > 0 ? tokens * out : 0;
        // LayerNorm input and output, q/k/v, attention output, projection input
        return tokens * width * element * (2 + 3 + 1 + 1) + attention + dropout;
    }

    @Override
    public long[] outputShape(long[] s) {
        TokenShapes.require("self-attention input", s, options.width());
        return new long[] {s[0], s[1], out};
    }

    @Override
    public String toString() {
        return "SelfAttention(" + options + ")";
    }
}
