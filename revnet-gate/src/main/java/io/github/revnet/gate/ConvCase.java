package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** One generated convolutional reversible-stack configuration: shape, residual function, coupling, depth, dtype, layout. */
public record ConvCase(int batch, int channels, int height, int width, int kernel, FunctionOptions.Kind kind, int blocks, DType dtype,
        boolean batchNorm, double dropout, InputLayout layout, boolean inputRequiresGrad, Coupling coupling) implements GateCase {

    /** An additive-coupling configuration. */
    public ConvCase(int batch, int channels, int height, int width, int kernel, FunctionOptions.Kind kind, int blocks, DType dtype,
            boolean batchNorm, double dropout, InputLayout layout, boolean inputRequiresGrad) {
        this(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, dropout, layout, inputRequiresGrad, Coupling.ADDITIVE);
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
    public ConvCase forFiniteDifferences() {
        return new ConvCase(batch, channels, height, width, kernel, kind, Math.min(blocks, 4), DType.FLOAT64, batchNorm, 0.0, layout, true,
                coupling);
    }

    /** The residual functions' options (channels are set per block). */
    public FunctionOptions functions() {
        return FunctionOptions.of(1, 1).kind(kind).kernel(kernel).batchNorm(batchNorm).dropout(dropout)
                .width(Math.max(1, channels / 8));
    }

    /** One block of the same configuration. */
    @Override
    public ConvCase singleBlock() {
        return new ConvCase(batch, channels, height, width, kernel, kind, 1, dtype, batchNorm, dropout, layout, inputRequiresGrad, coupling);
    }

    /** The same configuration with BatchNorm on. */
    public ConvCase withBatchNorm() {
        return new ConvCase(batch, channels, height, width, kernel, kind, blocks, dtype, true, dropout, layout, inputRequiresGrad, coupling);
    }

    @Override
    public ConvCase withDtype(DType value) {
        return new ConvCase(batch, channels, height, width, kernel, kind, blocks, value, batchNorm, dropout, layout, inputRequiresGrad,
                coupling);
    }

    @Override
    public ConvCase withCoupling(Coupling value) {
        return new ConvCase(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, dropout, layout, inputRequiresGrad,
                value);
    }

    @Override
    public ConvCase withDropout(double value) {
        return new ConvCase(batch, channels, height, width, kernel, kind, blocks, dtype, batchNorm, value, layout, inputRequiresGrad,
                coupling);
    }

    @Override
    public String toString() {
        return String.format("%dx%dx%dx%d %s %s k%d x%d blocks %s%s%s %s%s", batch, channels, height, width, coupling.label(),
                kind.name().toLowerCase(), kernel, blocks, dtype.label(), batchNorm ? " bn" : "", dropout > 0 ? " dropout" : "",
                layout.name().toLowerCase(), inputRequiresGrad ? " input-grad" : "");
    }
}
