package io.github.revnet.core.models;

import io.github.revnet.core.Check;
import io.github.revnet.core.DType;
import io.github.revnet.core.Device;
import io.github.revnet.core.Precision;
import io.github.revnet.core.reversible.Coupling;

/** Options of a model instance (immutable): input channels, classes, dtype, precision, device, seed and input checking. */
public final class ModelOptions {
    private final int inputChannels;
    private final int classes;
    private final DType dtype;
    private final Device device;
    private final long seed;
    private final boolean checkFinite;
    private final double dropout;
    private final Coupling coupling;
    private final Precision precision;

    private ModelOptions(int inputChannels, int classes, DType dtype, Device device, long seed, boolean checkFinite, double dropout,
            Coupling coupling, Precision precision) {
        this.inputChannels = inputChannels;
        this.classes = classes;
        this.dtype = dtype;
        this.device = device;
        this.seed = seed;
        this.checkFinite = checkFinite;
        this.dropout = dropout;
        this.coupling = coupling;
        this.precision = precision;
    }

    /** Three input channels, ten classes, float32 on the CPU, seed 0, no finiteness check, no dropout, additive coupling, precision fp32. */
    public static ModelOptions defaults() {
        return new ModelOptions(3, 10, DType.FLOAT32, Device.CPU, 0, false, 0, Coupling.ADDITIVE, Precision.FP32);
    }

    /** These options with {@code value} input channels (every setter returns new options; these stay as they are). */
    public ModelOptions inputChannels(int value) {
        return new ModelOptions(Check.positive("input channels", value), classes, dtype, device, seed, checkFinite, dropout, coupling, precision);
    }

    public ModelOptions classes(int value) {
        if (value < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + value);
        }
        return new ModelOptions(inputChannels, value, dtype, device, seed, checkFinite, dropout, coupling, precision);
    }

    public ModelOptions dtype(DType value) {
        return new ModelOptions(inputChannels, classes, java.util.Objects.requireNonNull(value, "dtype"), device, seed, checkFinite, dropout,
                coupling, precision);
    }

    /** Where the model's parameters live, and so where its inputs must be: the CPU by default. */
    public ModelOptions device(Device value) {
        return new ModelOptions(inputChannels, classes, dtype, java.util.Objects.requireNonNull(value, "device"), seed, checkFinite, dropout,
                coupling, precision);
    }

    /** Seed of the weight initialisation. */
    public ModelOptions seed(long value) {
        return new ModelOptions(inputChannels, classes, dtype, device, value, checkFinite, dropout, coupling, precision);
    }

    /** Reject inputs containing NaN or infinity (costs one pass over the input). */
    public ModelOptions checkFinite(boolean value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, value, dropout, coupling, precision);
    }

    /** Dropout before every convolution of the residual functions. */
    public ModelOptions dropout(double value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, Check.probability("dropout", value), coupling, precision);
    }

    /** The coupling of the reversible blocks (transitions between stages stay additive). */
    public ModelOptions coupling(Coupling value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, dropout,
                java.util.Objects.requireNonNull(value, "coupling"), precision);
    }

    /** Where the reversible stacks compute in bfloat16; see {@link Precision}. The bfloat16 policies need dtype float32. */
    public ModelOptions precision(Precision value) {
        return new ModelOptions(inputChannels, classes, dtype, device, seed, checkFinite, dropout, coupling,
                java.util.Objects.requireNonNull(value, "precision"));
    }

    public Precision precision() {
        return precision;
    }

    public int inputChannels() {
        return inputChannels;
    }

    public int classes() {
        return classes;
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    public long seed() {
        return seed;
    }

    public boolean checkFinite() {
        return checkFinite;
    }

    public double dropout() {
        return dropout;
    }

    public Coupling coupling() {
        return coupling;
    }
}
