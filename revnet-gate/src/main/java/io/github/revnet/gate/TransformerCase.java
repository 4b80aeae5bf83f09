package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.FeedForward;
import io.github.revnet.core.layers.SelfAttention;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import io.github.revnet.core.reversible.StreamLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One generated reversible transformer stack (RevViT blocks): batch, sequence length, heads and
 * head width (the stream width is their product), MLP ratio, depth, dtype, causal mask, dropout
 * (on attention probabilities and outputs, and drop-path of F and G at the same rate), coupling, layout.
 */
public record TransformerCase(int batch, int tokens, int heads, int headWidth, int mlpRatio, int blocks, DType dtype, boolean causal, double dropout,
        InputLayout layout, boolean inputRequiresGrad, Coupling coupling) implements GateCase {

    /** The width of one stream: heads × head width. */
    public int width() {
        return heads * headWidth;
    }

    public TransformerOptions options() {
        return TransformerOptions.of(width()).heads(heads).mlpRatio(mlpRatio).causal(causal).dropout(dropout).attentionDropout(dropout)
                .dropPath(dropout);
    }

    @Override
    public ReversibleStack buildWith(UnaryOperator<Layer> wrapF, UnaryOperator<Layer> wrapG) {
        int out = coupling.functionChannels(width());
        List<ReversibleBlock> list = new ArrayList<>(blocks);
        for (int i = 0; i < blocks; i++) {
            list.add(new ReversibleBlock(wrapF.apply(new SelfAttention(options(), out)), wrapG.apply(new FeedForward(options(), out)), coupling,
                    StreamLayout.TOKENS));
        }
        return new ReversibleStack(list);
    }

    @Override
    public long[] shape() {
        return new long[] {batch, tokens, 2L * width()};
    }

    @Override
    public String family() {
        return "transformer";
    }

    @Override
    public String functionLabel() {
        return "attention " + heads + "h" + (causal ? " causal" : "");
    }

    @Override
    public TransformerCase singleBlock() {
        return new TransformerCase(batch, tokens, heads, headWidth, mlpRatio, 1, dtype, causal, dropout, layout, inputRequiresGrad, coupling);
    }

    @Override
    public TransformerCase withDtype(DType value) {
        return new TransformerCase(batch, tokens, heads, headWidth, mlpRatio, blocks, value, causal, dropout, layout, inputRequiresGrad, coupling);
    }

    @Override
    public TransformerCase withDropout(double value) {
        return new TransformerCase(batch, tokens, heads, headWidth, mlpRatio, blocks, dtype, causal, value, layout, inputRequiresGrad, coupling);
    }

    @Override
    public TransformerCase withCoupling(Coupling value) {
        return new TransformerCase(batch, tokens, heads, headWidth, mlpRatio, blocks, dtype, causal, dropout, layout, inputRequiresGrad, value);
    }

    @Override
    public TransformerCase forFiniteDifferences() {
        return new TransformerCase(batch, tokens, heads, headWidth, mlpRatio, Math.min(blocks, 4), DType.FLOAT64, causal, 0.0, layout, true,
                coupling);
    }

    @Override
    public String toString() {
        return String.format("%dx%dx%d tokens (%d heads of %d) %s mlp x%d x%d blocks %s%s%s %s%s", batch, tokens, 2 * width(), heads,
                headWidth, coupling.label(), mlpRatio, blocks, dtype.label(), causal ? " causal" : "", dropout > 0 ? " dropout" : "",
                layout.name().toLowerCase(), inputRequiresGrad ? " input-grad" : "");
    }
}
