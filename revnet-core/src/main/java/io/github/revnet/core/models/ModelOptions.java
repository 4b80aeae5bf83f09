package io.github.revnet.core.models;

import io.github.revnet.core.Check;
import io.github.revnet.core.DType;
import io.github.revnet.core.Device;
import io.github.revnet.core.reversible.Coupling;

/** Options of a model instance: input channels, classes, dtype, device, seed and input checking. */
public final class ModelOptions {
    private int inputChannels = 3;
    private int classes = 10;
    private DType dtype = DType.FLOAT32;
    private Device device = Device.CPU;
    private long seed = 0;
    private boolean checkFinite;
    private double dropout;
    private Coupling coupling = Coupling.ADDITIVE;

    public static ModelOptions defaults() {
        return new ModelOptions();
    }

    public ModelOptions inputChannels(int value) {
        this.inputChannels = Check.positive("input channels", value);
        return this;
    }

    public ModelOptions classes(int value) {
        if (value < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + value);
        }
        this.classes = value;
        return this;
    }

    public ModelOptions dtype(DType value) {
        this.dtype = java.util.Objects.requireNonNull(value, "dtype");
        return this;
    }

    /** Where the model's parameters live, and so where its inputs must be: the CPU by default. */
    public ModelOptions device(Device value) {
        this.device = java.util.Objects.requireNonNull(value, "device");
        return this;
    }

    /** Seed of the weight initialisation. */
    public ModelOptions seed(long value) {
        this.seed = value;
        return this;
    }

    /** Reject inputs containing NaN or infinity (costs one pass over the input). */
    public ModelOptions checkFinite(boolean value) {
        this.checkFinite = value;
        return this;
    }

    /** Dropout before every convolution of the residual functions. */
    public ModelOptions dropout(double value) {
        this.dropout = Check.probability("dropout", value);
        return this;
    }

    /** The coupling of the reversible blocks (transitions between stages stay additive). */
    public ModelOptions coupling(Coupling value) {
        this.coupling = java.util.Objects.requireNonNull(value, "coupling");
        return this;
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
