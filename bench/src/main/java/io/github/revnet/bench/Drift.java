package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;

/**
 * Numerical drift of reconstruction at one depth, dtype and precision policy: inverse error, gradient error and angle
 * (reversible against stored under the same policy), and the stored gradient's angle to a float64 twin's (NaN in float64):
 * what the number format itself costs, apart from reversibility.
 */
public record Drift(int blocks, DType dtype, Precision precision, double inverseMaxAbsError, double maxRelativeGradError,
        double gradAngleDegrees, double storedAngleToFloat64Degrees) {
    /** The drift sweep's number formats: float32 and float64, then float32 under each bfloat16 policy. */
    public static final java.util.List<Format> FORMATS = java.util.List.of(new Format(DType.FLOAT32, Precision.FP32),
            new Format(DType.FLOAT64, Precision.FP32), new Format(DType.FLOAT32, Precision.BF16), new Format(DType.FLOAT32, Precision.BF16_PURE));

    /** A dtype with a precision policy, labelled as the chart and table show it: the dtype under fp32, else the policy. */
    public record Format(DType dtype, Precision precision) {
        public String label() {
            return precision == Precision.FP32 ? dtype.label() : precision.label();
        }
    }

    public Format format() {
        return new Format(dtype, precision);
    }
}
