package io.github.revnet.bench;

/** Numerical drift of reconstruction at one depth and dtype: inverse error, gradient error and angle. */
public record Drift(int blocks, String dtype, double inverseMaxAbsError, double maxRelativeGradError, double gradAngleDegrees) {
}
