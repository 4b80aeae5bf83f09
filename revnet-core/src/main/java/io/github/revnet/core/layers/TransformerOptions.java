package io.github.revnet.core.layers;

import io.github.revnet.core.Check;

/**
 * Options of a transformer block's functions: the width of one token stream, the attention heads,
 * the MLP's expansion, dropout and the causal mask. A small value object with named setters, in
 * the style of LibTorch's module options.
 */
public final class TransformerOptions {
    private final int width;
    private int heads = 4;
    private int mlpRatio = 2;
    private double dropout;
    private double attentionDropout;
    private double dropPath;
    private boolean causal;

    private TransformerOptions(int width) {
        this.width = Check.positive("transformer width", width);
    }

    /** Options for token streams of {@code width} features, 4 heads, MLP ratio 2, no dropout, no mask. */
    public static TransformerOptions of(int width) {
        return new TransformerOptions(width);
    }

    /** The number of attention heads; the width must be a multiple of it. */
    public TransformerOptions heads(int value) {
        Check.positive("attention heads", value);
        if (width % value != 0) {
            throw new IllegalArgumentException("transformer width must be a multiple of the head count: width " + width
                    + " is not divisible by " + value + " heads");
        }
        this.heads = value;
        return this;
    }

    /** The MLP's hidden width as a multiple of the stream width. */
    public TransformerOptions mlpRatio(int value) {
        this.mlpRatio = Check.positive("MLP ratio", value);
        return this;
    }

    /** Dropout on the outputs of attention and MLP (and inside the MLP, after GELU). */
    public TransformerOptions dropout(double value) {
        this.dropout = Check.probability("dropout", value);
        return this;
    }

    /** Stochastic depth of a reversible block's F and G ({@link DropPath}): each sample's output dropped with this probability. */
    public TransformerOptions dropPath(double value) {
        this.dropPath = Check.probability("drop-path", value);
        return this;
    }

    public double dropPath() {
        return dropPath;
    }

    /** Dropout on the attention probabilities. */
    public TransformerOptions attentionDropout(double value) {
        this.attentionDropout = Check.probability("attention dropout", value);
        return this;
    }

    /** Whether each token attends only to itself and earlier tokens. */
    public TransformerOptions causal(boolean value) {
        this.causal = value;
        return this;
    }

    public int width() {
        return width;
    }

    public int heads() {
        if (width % heads != 0) {
            throw new IllegalArgumentException("transformer width must be a multiple of the head count: width " + width
                    + " is not divisible by " + heads + " heads (the default; set heads explicitly)");
        }
        return heads;
    }

    public int headWidth() {
        return width / heads();
    }

    public int mlpRatio() {
        return mlpRatio;
    }

    public double dropout() {
        return dropout;
    }

    public double attentionDropout() {
        return attentionDropout;
    }

    public boolean causal() {
        return causal;
    }

    @Override
    public String toString() {
        return "width " + width + ", " + heads + " heads, mlp x" + mlpRatio + (causal ? ", causal" : "")
                + (dropout > 0 ? ", dropout " + dropout : "") + (attentionDropout > 0 ? ", attention dropout " + attentionDropout : "");
    }
}
