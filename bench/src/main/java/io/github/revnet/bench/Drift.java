package io.github.revnet.bench;

import io.github.revnet.core.DType;

/** Numerical drift of reconstruction at one depth and dtype: inverse error, gradient error and angle. */
public record Drift(int blocks, DType dtype, double inverseMaxAbsError, double maxRelativeGradError, double gradAngleDegrees) {
}
