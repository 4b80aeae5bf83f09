package io.github.revnet.core.kernels;

import org.bytedeco.pytorch.global.torch;

/**
 * The arithmetic a production kernel runs in, as far as its rounding goes. Float64 is not among them: it is the
 * reference every audit compares against (oneDNN does not serve it; LibTorch computes it on its own kernels).
 */
public enum KernelDType {
    FLOAT32(torch.ScalarType.Float, 0x1p-24),
    /** Stored in bfloat16; oneDNN and LibTorch accumulate its products in float32 and round the result to bfloat16. */
    BFLOAT16(torch.ScalarType.BFloat16, 0x1p-8);

    private final torch.ScalarType scalarType;
    private final double unitRoundoff;

    KernelDType(torch.ScalarType scalarType, double unitRoundoff) {
        this.scalarType = scalarType;
        this.unitRoundoff = unitRoundoff;
    }

    public torch.ScalarType scalarType() {
        return scalarType;
    }

    /** u: half the gap between 1 and the next representable number, the largest relative error of one rounding. */
    public double unitRoundoff() {
        return unitRoundoff;
    }

    /** The unit roundoff of the sums inside a product: float32 for both (LibTorch's and oneDNN's accumulators). */
    public double accumulationRoundoff() {
        return FLOAT32.unitRoundoff;
    }

    public String label() {
        return name().toLowerCase();
    }

    @Override
    public String toString() {
        return label();
    }

    /** The kernel dtype of a tensor's scalar type, or null for one that is not audited (float64, integers). */
    public static KernelDType of(torch.ScalarType type) {
        for (KernelDType d : values()) {
            if (type != null && d.scalarType.value == type.value) { // JavaCPP hands out non-interned enum instances
                return d;
            }
        }
        return null;
    }
}
