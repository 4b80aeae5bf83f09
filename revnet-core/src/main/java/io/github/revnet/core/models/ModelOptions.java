package io.github.revnet.core.models;

import io.github.revnet.core.Check;
import io.github.revnet.core.DType;
import io.github.revnet.core.Device;
import io.github.revnet.core.Precision;
import io.github.revnet.core.reversible.Coupling;
import java.util.Objects;

/**
 * Options of a model instance (immutable): input channels, classes, dtype, precision, device, seed, input checking,
 * dropout, drop-path and coupling. Every setter returns new options; these stay as they are.
 */
public record ModelOptions(int inputChannels, int classes, DType dtype, Device device, long seed, boolean checkFinite, double dropout,
        double dropPath, Coupling coupling, Precision precision) {
    public ModelOptions {
        Check.positive("input channels", inputChannels);
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        Check.probability("dropout", dropout);
        Check.probability("drop-path", dropPath);
        Objects.requireNonNull(coupling, "coupling");
        Objects.requireNonNull(precision, "precision");
    }

    /** Three input channels, ten classes, float32 on the CPU, seed 0, no finiteness check, no dropout or drop-path, additive coupling, fp32. */
    public static ModelOptions defaults() {
        return new ModelOptions(3, 10, DType.FLOAT32, Device.CPU, 0, false, 0, 0, Coupling.ADDITIVE, Precision.FP32);
    }

    public ModelOptions inputChannels(int value) {
        return new ModelOptions(value, classes, dtype, device, seed, checkFinite, dropout, dropPath, coupling, precision);
    }

    public ModelOptions classes(int value) {
        return new ModelOptions(inputChannels, value, dtype, device, seed, checkFinite, dropout, dropPath, coupling, precision);
    }

    public ModelOptions dtype(DType value) {
        return new ModelOptions(inputChannels, classes, value, device, seed, checkFinite, dropout, dropPath, coupling, precision);
    }

    /** Where the model's parameters live, and so where its inputs must be: the CPU by default. */
    public ModelOptions device(Device value) {
        return new ModelOptions(inputChannels, classes, dtype, value, seed, checkFinite, dropout, dropPath, coupling, precision);
    }

    /** Seed of the weight initialisation. */
    public ModelOptions seed(long value) {
        return new ModelOptions(inputChannels, classes, dtype, device, value, checkFinite, dropout, dropPath, coupling, precision);
    }

    /** Reject inputs containing NaN or infinity (costs one pass over the input). */
    public ModelOptions checkFinite(boolean value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, value, dropout, dropPath, coupling, precision);
    }

    /** Dropout before every convolution of the residual functions (transformers: on attention and MLP outputs). */
    public ModelOptions dropout(double value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, value, dropPath, coupling, precision);
    }

    /** Stochastic depth of each reversible transformer block's F and G (RevViTs; the RevNets take none). */
    public ModelOptions dropPath(double value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, dropout, value, coupling, precision);
    }

    /** The coupling of the reversible blocks (transitions between stages stay additive). */
    public ModelOptions coupling(Coupling value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, dropout, dropPath, value, precision);
    }

    /** Where the reversible stacks compute in bfloat16; see {@link Precision}. The bfloat16 policies need dtype float32. */
    public ModelOptions precision(Precision value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, dropout, dropPath, coupling, value);
    }
}
