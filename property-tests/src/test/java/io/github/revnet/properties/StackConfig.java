package io.github.revnet.properties;

import io.github.revnet.core.Coupling;
import io.github.revnet.core.DType;
import io.github.revnet.core.FunctionOptions;
import io.github.revnet.core.Layer;
import io.github.revnet.core.ResidualFunction;
import io.github.revnet.core.ReversibleBlock;
import io.github.revnet.core.ReversibleStack;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** One generated convolutional reversible-stack configuration: shape, residual function, coupling, depth, dtype, layout. */
record StackConfig(int batch, int channels, int height, int width, int kernel, FunctionOptions.Kind kind, int blocks, DType dtype,
        boolean batchNorm, double dropout, Layout layout, boolean inputRequiresGrad, Coupling coupling) implements GateCase {

    /** An additive-coupling configuration. */
    StackConfig(int batch, int channels, int height, int width, int kernel, FunctionOptions.Kind kind, int blocks, DType dtype,
            boolean batchNorm, double dropout, Layout layout, boolean inputRequiresGrad) {
        this(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, dropout, layout, inputRequiresGrad, Coupling.ADDITIVE);
    }

    /**
     * How the input tensor is laid out in memory: contiguous; channels last (for tokens: features
     * major, a transposed view); or a slice of a wider tensor along the last dimension.
     */
    enum Layout {
        CONTIGUOUS, CHANNELS_LAST, SLICED
    }

    @Override
    public ReversibleStack buildWith(UnaryOperator<Layer> wrapF, UnaryOperator<Layer> wrapG) {
        int half = channels / 2;
        FunctionOptions options = functions().withChannels(half, coupling.functionChannels(half), 1);
        List<ReversibleBlock> list = new ArrayList<>(blocks);
        for (int i = 0; i < blocks; i++) {
            list.add(new ReversibleBlock(wrapF.apply(new ResidualFunction(options)), wrapG.apply(new ResidualFunction(options)), coupling));
        }
        return new ReversibleStack(list);
    }

    @Override
    public long[] shape() {
        return new long[] {batch, channels, height, width};
    }

    @Override
    public String family() {
        return "conv";
    }

    @Override
    public String functionLabel() {
        return kind.name().toLowerCase();
    }

    @Override
    public StackConfig forFiniteDifferences() {
        return new StackConfig(batch, channels, height, width, kernel, kind, Math.min(blocks, 4), DType.FLOAT64, batchNorm, 0.0, layout, true,
                coupling);
    }

    FunctionOptions functions() {
        return FunctionOptions.of(1, 1).kind(kind).kernel(kernel).batchNorm(batchNorm).dropout(dropout)
                .width(Math.max(1, channels / 8));
    }

    /** One block of the same configuration. */
    @Override
    public StackConfig singleBlock() {
        return new StackConfig(batch, channels, height, width, kernel, kind, 1, dtype, batchNorm, dropout, layout, inputRequiresGrad, coupling);
    }

    /** The same configuration with BatchNorm on. */
    StackConfig withBatchNorm() {
        return new StackConfig(batch, channels, height, width, kernel, kind, blocks, dtype, true, dropout, layout, inputRequiresGrad, coupling);
    }

    @Override
    public StackConfig withDtype(DType value) {
        return new StackConfig(batch, channels, height, width, kernel, kind, blocks, value, batchNorm, dropout, layout, inputRequiresGrad,
                coupling);
    }

    @Override
    public StackConfig withCoupling(Coupling value) {
        return new StackConfig(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, dropout, layout, inputRequiresGrad,
                value);
    }

    @Override
    public StackConfig withDropout(double value) {
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
