package io.github.revnet.properties;

import io.github.revnet.core.Coupling;
import io.github.revnet.core.DType;
import io.github.revnet.core.FunctionOptions;

/** One generated reversible-stack configuration: shape, residual function, coupling, depth, dtype, layout. */
record StackConfig(int batch, int channels, int height, int width, int kernel, FunctionOptions.Kind kind, int blocks, DType dtype,
        boolean batchNorm, double dropout, Layout layout, boolean inputRequiresGrad, Coupling coupling) {

    /** An additive-coupling configuration. */
    StackConfig(int batch, int channels, int height, int width, int kernel, FunctionOptions.Kind kind, int blocks, DType dtype,
            boolean batchNorm, double dropout, Layout layout, boolean inputRequiresGrad) {
        this(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, dropout, layout, inputRequiresGrad, Coupling.ADDITIVE);
    }

    /** How the input tensor is laid out in memory. */
    enum Layout {
        CONTIGUOUS, CHANNELS_LAST, SLICED
    }

    FunctionOptions functions() {
        return FunctionOptions.of(1, 1).kind(kind).kernel(kernel).batchNorm(batchNorm).dropout(dropout)
                .width(Math.max(1, channels / 8));
    }

    /** One block of the same configuration. */
    StackConfig singleBlock() {
        return new StackConfig(batch, channels, height, width, kernel, kind, 1, dtype, batchNorm, dropout, layout, inputRequiresGrad, coupling);
    }

    /** The same configuration with BatchNorm on. */
    StackConfig withBatchNorm() {
        return new StackConfig(batch, channels, height, width, kernel, kind, blocks, dtype, true, dropout, layout, inputRequiresGrad, coupling);
    }

    StackConfig withDtype(DType value) {
        return new StackConfig(batch, channels, height, width, kernel, kind, blocks, value, batchNorm, dropout, layout, inputRequiresGrad,
                coupling);
    }

    StackConfig withDropout(double value) {
        return new StackConfig(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, value, layout, inputRequiresGrad,
                coupling);
    }

    @Override
    public String toString() {
        return String.format("%dx%dx%dx%d %s %s k%d x%d blocks %s%s%s %s%s", batch, channels, height, width, coupling.label(),
                kind.name().toLowerCase(), kernel, blocks, dtype.label(), batchNorm ? " bn" : "", dropout > 0 ? " dropout" : "",
                layout.name().toLowerCase(), inputRequiresGrad ? " input-grad" : "");
    }
}
