package io.github.revnet.core;

import io.github.revnet.bridge.Autocast;

/**
 * Where a model's reversible stacks compute in bfloat16. Reversibility's weak point in low
 * precision is the inverse, x1 = y1 − F(x2): with the streams in bfloat16 each block's
 * reconstruction loses about three significant digits and the loss compounds with depth. Keeping
 * the streams and the coupling in float32 while F and G compute in bfloat16 leaves the inverse
 * exact up to float32 rounding, as long as the recomputation runs under the forward's autocast
 * state (which the stacks record with the random state and replay). Float32 rounding is not
 * harmless, though: it flips F's bfloat16 casts of the reconstructed input, so {@link #BF16} also
 * holds the streams on a fixed-point grid where the additive coupling is exact.
 */
public enum Precision {
    /** Everything in the model's dtype. */
    FP32("fp32"),
    /** F and G under bfloat16 autocast; the streams, the coupling and the rest of the model (stem, transitions, head, loss) in float32. */
    BF16("bf16"),
    /** The counterexample: the streams and the coupling in bfloat16 too (each stack casts its input down and its output back up). */
    BF16_PURE("bf16-pure");

    private final String label;

    Precision(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The autocast state F and G run under: bfloat16 for both lower-precision policies, the caller's own for fp32. */
    public Autocast functionAutocast(Autocast callers) {
        return this == FP32 ? callers : Autocast.BFLOAT16;
    }

    /**
     * Whether the streams live on {@link io.github.revnet.core.reversible.StreamGrid}'s fixed-point
     * grid (F's and G's outputs and the stack's input snapped to it), so that the additive inverse is
     * exact bit for bit and no float32 rounding flips a bfloat16 cast in the recomputation.
     */
    public boolean streamsOnGrid() {
        return this == BF16;
    }

    /** Whether the streams between blocks are bfloat16. */
    public boolean bfloat16Streams() {
        return this == BF16_PURE;
    }

    /** Throws unless the policy can run in {@code dtype}: the bfloat16 policies keep float32 streams and refuse float64. */
    public void requireCompatible(DType dtype) {
        if (this != FP32 && dtype != DType.FLOAT32) {
            throw new IllegalArgumentException("precision " + label + " computes in bfloat16 beside float32 and needs dtype float32, got "
                    + dtype.label());
        }
    }

    @Override
    public String toString() {
        return label;
    }

    public static Precision parse(String name) {
        for (Precision p : values()) {
            if (p.label.equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name + "': expected one of fp32, bf16, bf16-pure");
    }
}
