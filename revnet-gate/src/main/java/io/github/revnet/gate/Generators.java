package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.reversible.Coupling;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Arbitraries named after the domain: block shapes, residual functions, stacks. */
public final class Generators {
    public static final int MIN_FLOAT32_NORM_VALUES = 16;

    private Generators() {
    }

    /** Small tensors keep float64 convolutions (slow on CPU) inside the CI budget. */
    public record BlockShape(int batch, int channels, int height, int width) {
    }

    public record Function(FunctionOptions.Kind kind, int kernel, boolean batchNorm, double dropout) {
    }

    public static Arbitrary<BlockShape> blockShapes() {
        return Combinators.combine(
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 8).map(half -> 2 * half),
                Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(1, 6)).as(BlockShape::new);
    }

    public static Arbitrary<Function> functions() {
        return Combinators.combine(
                Arbitraries.of(FunctionOptions.Kind.class),
                Arbitraries.of(1, 3, 5),
                Arbitraries.of(true, false),
                Arbitraries.of(0.0, 0.25)).as(Function::new);
    }

    /** Depth from 1 to 12, shallow stacks more often. */
    public static Arbitrary<Integer> depths() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 3)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(4, 6)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(7, 12)));
    }

    /** Additive (Gomez et al.) and affine couplings, alike often. */
    public static Arbitrary<Coupling> couplings() {
        return Arbitraries.of(Coupling.ADDITIVE, Coupling.AFFINE);
    }

    public static Arbitrary<ConvCase> stacks() {
        return Combinators.combine(
                blockShapes(),
                functions(),
                depths(),
                Arbitraries.of(DType.class),
                Arbitraries.of(InputLayout.class),
                Arbitraries.of(true, false),
                couplings())
                .as((s, f, blocks, dtype, layout, inputGrad, coupling) -> new ConvCase(s.batch(), s.channels(), s.height(), s.width(),
                        f.kernel(), f.kind(), blocks, dtype, f.batchNorm(), f.dropout(), layout, inputGrad, coupling))
                // BatchNorm in training mode needs more than one value per channel.
                .filter(c -> !c.batchNorm() || c.batch() * c.height() * c.width() > 1)
                .filter(Generators::wellConditionedInFloat32);
    }

    /**
     * Float32 rounding in the reconstructed activations is amplified where BatchNorm divides by
     * the deviation of a handful of values, or a half has a single channel: the gate found a
     * 1x2x1x3, 10-block stack whose float32 gradients differed by 0.28 relative (float64: 1e-15),
     * a 2x2x6x1 bottleneck stack with a gradient at noise level differing 40-fold, and a
     * 3x4x2x4 bottleneck stack (a one-channel bottleneck) differing by 0.14. Float32 cases
     * therefore have at least 4 channels, bottlenecks at least 2 channels wide (16 channels), and
     * give BatchNorm at least 16 values per channel; float64 covers every shape, these included.
     */
    public static boolean wellConditionedInFloat32(ConvCase c) {
        return c.dtype() == DType.FLOAT64
                || c.channels() >= 4 && (c.kind() != FunctionOptions.Kind.BOTTLENECK || c.channels() >= 16)
                        && (!c.batchNorm() || c.batch() * c.height() * c.width() >= MIN_FLOAT32_NORM_VALUES);
    }

    public static Arbitrary<ConvCase> float64Stacks() {
        return stacks().map(c -> c.withDtype(DType.FLOAT64));
    }

    /** Token shapes: batch 1–3, sequence length 1–33, 1–4 heads of 1–4 features each (so the width is a multiple of the heads). */
    public record TokenShape(int batch, int tokens, int heads, int headWidth) {
    }

    public static Arbitrary<TokenShape> tokenShapes() {
        return Combinators.combine(
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 33),
                Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 4)).as(TokenShape::new);
    }

    /** What F and G of a transformer block do besides their shape: MLP ratio, causal mask, dropout. */
    public record TransformerFunctions(int mlpRatio, boolean causal, double dropout) {
    }

    public static Arbitrary<TransformerFunctions> transformerFunctions() {
        return Combinators.combine(
                Arbitraries.of(1, 2, 4),
                Arbitraries.of(true, false),
                Arbitraries.of(0.0, 0.25)).as(TransformerFunctions::new);
    }

    /** Reversible transformer stacks: token shapes, functions, depth, dtype, layout, input gradient, coupling. */
    public static Arbitrary<TransformerCase> tokenStacks() {
        return Combinators.combine(
                tokenShapes(),
                transformerFunctions(),
                depths(),
                Arbitraries.of(DType.class),
                Arbitraries.of(InputLayout.class),
                Arbitraries.of(true, false),
                couplings())
                .as((s, f, blocks, dtype, layout, inputGrad, coupling) -> new TransformerCase(s.batch(), s.tokens(), s.heads(), s.headWidth(),
                        f.mlpRatio(), blocks, dtype, f.causal(), f.dropout(), layout, inputGrad, coupling))
                .filter(Generators::tokensWellConditionedInFloat32);
    }

    /**
     * Every transformer case normalises over at least 2 features: LayerNorm over a single value
     * outputs its bias whatever the input, so F and G would be constants whose gradients are pure
     * rounding noise (the gate saw relative errors of 3.8 and 13 between two noise vectors, which
     * the measured tolerance rightly accepted, on 1-head, 1-feature streams). Float32 cases take at
     * least 4: LayerNorm over two or three values divides by a deviation that rounding dominates, as
     * BatchNorm over a handful of values does.
     */
    public static boolean tokensWellConditionedInFloat32(TransformerCase c) {
        return c.width() >= 2 && (c.dtype() == DType.FLOAT64 || c.width() >= 4);
    }

    /** Every block family the gate covers: convolutional stacks three times as often as transformer stacks (they have more variety). */
    public static Arbitrary<GateCase> gateCases() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, stacks().map(c -> (GateCase) c)),
                net.jqwik.api.Tuple.of(1, tokenStacks().map(c -> (GateCase) c)));
    }

    /**
     * The float32 cases of both families in equal shares, under the bf16 policy: F and G in bfloat16, the streams and
     * couplings in float32 (see {@link io.github.revnet.core.Precision}).
     */
    public static Arbitrary<GateCase> bf16GateCases() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, stacks().filter(c -> c.dtype() == DType.FLOAT32).map(c -> (GateCase) c)),
                net.jqwik.api.Tuple.of(1, tokenStacks().filter(c -> c.dtype() == DType.FLOAT32).map(c -> (GateCase) c)))
                .map(c -> new PolicyCase(c, io.github.revnet.core.Precision.BF16));
    }

    public static Arbitrary<GateCase> float64GateCases() {
        return gateCases().map(c -> c.withDtype(DType.FLOAT64));
    }
}
