package io.github.revnet.core.reversible;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.FeedForward;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.layers.SelfAttention;
import io.github.revnet.core.layers.TransformerOptions;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * A reversible block: with the channels split into halves (x1, x2), y1 = c(x1, F(x2)),
 * y2 = c(x2, G(y1)) for a {@link Coupling} c, exactly invertible as x2 = c⁻¹(y2, G(y1)),
 * x1 = c⁻¹(y1, F(x2)). With the additive coupling (Gomez et al., 2017) that is y1 = x1 + F(x2),
 * y2 = x2 + G(y1). F and G may be any layers that map a half to the coupling's function shape
 * (the half's own shape for additive coupling, twice its channels for affine).
 */
public final class ReversibleBlock extends Layer {
    private final Layer f;
    private final Layer g;
    private final Coupling coupling;
    private final StreamLayout layout;

    /** An additive block over the channels of (N, C, H, W) tensors. */
    public ReversibleBlock(Layer f, Layer g) {
        this(f, g, Coupling.ADDITIVE);
    }

    /** A block over the channels of (N, C, H, W) tensors. */
    public ReversibleBlock(Layer f, Layer g, Coupling coupling) {
        this(f, g, coupling, StreamLayout.CHANNELS);
    }

    /** A block whose halves lie where {@code layout} says. */
    public ReversibleBlock(Layer f, Layer g, Coupling coupling, StreamLayout layout) {
        this.f = add("F", java.util.Objects.requireNonNull(f, "F"));
        this.g = add("G", java.util.Objects.requireNonNull(g, "G"));
        this.coupling = java.util.Objects.requireNonNull(coupling, "coupling");
        this.layout = java.util.Objects.requireNonNull(layout, "layout");
    }

    /**
     * A reversible transformer block (RevViT): F is LayerNorm → multi-head self-attention, G is
     * LayerNorm → MLP, each over one stream of {@code options.width()} features, each under drop-path where
     * {@code options.dropPath()} is above 0 (as RevViT trains).
     */
    public static ReversibleBlock transformer(TransformerOptions options, Coupling coupling) {
        int out = coupling.functionChannels(options.width());
        return new ReversibleBlock(io.github.revnet.core.layers.DropPath.around(new SelfAttention(options, out), options.dropPath()),
                io.github.revnet.core.layers.DropPath.around(new FeedForward(options, out), options.dropPath()), coupling, StreamLayout.TOKENS);
    }

    /** An additive block over {@code channels} channels whose F and G are residual functions shaped by {@code template}. */
    public static ReversibleBlock of(int channels, FunctionOptions template) {
        return of(channels, template, Coupling.ADDITIVE);
    }

    /** A block over {@code channels} channels with the given coupling, F and G residual functions shaped by {@code template}. */
    public static ReversibleBlock of(int channels, FunctionOptions template, Coupling coupling) {
        Check.positive("block channels", channels);
        Check.even("block channels", channels);
        if (template.stride() != 1) {
            throw new IllegalArgumentException("a reversible block must keep its shape: F/G stride must be 1, got "
                    + template.stride());
        }
        int half = channels / 2;
        FunctionOptions halves = template.withChannels(half, coupling.functionChannels(half), 1);
        return new ReversibleBlock(new ResidualFunction(halves), new ResidualFunction(halves), coupling);
    }

    public Layer f() {
        return f;
    }

    public Layer g() {
        return g;
    }

    public Coupling coupling() {
        return coupling;
    }

    public StreamLayout layout() {
        return layout;
    }

    /** One of a block's two functions. */
    public enum Function {
        F, G
    }

    /**
     * How F or G is run: where a walk records what a function starts from in the forward pass (the
     * random state, the autocast state) and puts it back when the function runs again.
     */
    @FunctionalInterface
    public interface AroundFunction {
        AroundFunction PLAIN = (which, function) -> function.get();

        Tensor run(Function which, java.util.function.Supplier<Tensor> function);

        /** This around {@code inner}: this runs first and finishes last. */
        default AroundFunction around(AroundFunction inner) {
            return (which, function) -> run(which, () -> inner.run(which, function));
        }
    }

    /** y1 = c(x1, F(x2)), y2 = c(x2, G(y1)). */
    public Tensor[] forward(Tensor x1, Tensor x2) {
        return forward(x1, x2, AroundFunction.PLAIN);
    }

    /** y1 = c(x1, F(x2)), y2 = c(x2, G(y1)), each function run through {@code around}. */
    public Tensor[] forward(Tensor x1, Tensor x2, AroundFunction around) {
        Tensor y1 = NativeScope.call(() -> coupling.combine(x1, around.run(Function.F, () -> f.forward(x2))));
        Tensor y2 = NativeScope.call(() -> coupling.combine(x2, around.run(Function.G, () -> g.forward(y1))));
        return new Tensor[] {y1, y2};
    }

    /** x2 = c⁻¹(y2, G(y1)), x1 = c⁻¹(y1, F(x2)). */
    public Tensor[] inverse(Tensor y1, Tensor y2) {
        return inverse(y1, y2, AroundFunction.PLAIN);
    }

    /** x2 = c⁻¹(y2, G(y1)), x1 = c⁻¹(y1, F(x2)), each function run through {@code around}. */
    public Tensor[] inverse(Tensor y1, Tensor y2, AroundFunction around) {
        Tensor x2 = NativeScope.call(() -> coupling.uncombine(y2, around.run(Function.G, () -> g.forward(y1))));
        Tensor x1 = NativeScope.call(() -> coupling.uncombine(y1, around.run(Function.F, () -> f.forward(x2))));
        return new Tensor[] {x1, x2};
    }

    /** F or G. */
    public Layer function(Function which) {
        return which == Function.F ? f : g;
    }

    @Override
    public Tensor forward(Tensor input) {
        outputShape(Shapes.of(input));
        Tensor[] x = layout.split(input);
        return layout.join(forward(x[0], x[1]));
    }

    public Tensor inverse(Tensor output) {
        outputShape(Shapes.of(output));
        Tensor[] y = layout.split(output);
        return layout.join(inverse(y[0], y[1]));
    }

    @Override
    public long[] outputShape(long[] s) {
        layout.check("reversible block input", s);
        long size = s[layout.axis()];
        if (size % 2 != 0) {
            throw new IllegalArgumentException("a reversible block splits " + layout.unit() + " into two halves: " + layout.unit()
                    + " count must be even, got " + size);
        }
        long[] half = layout.withSize(s, size / 2);
        long[] expected = layout.withSize(s, coupling.functionChannels((int) (size / 2)));
        requireShape("F", half, expected, f.outputShape(half));
        requireShape("G", half, expected, g.outputShape(half));
        return s.clone();
    }

    private void requireShape(String name, long[] in, long[] expected, long[] out) {
        if (!Arrays.equals(expected, out)) {
            int a = layout.axis();
            String rule = Arrays.equals(in, expected) ? "must keep its input's shape" : "must map a half of " + in[a]
                    + " " + layout.unit() + " to " + expected[a] + " (the " + coupling.label() + " coupling's scale and shift)";
            throw new IllegalArgumentException("inside a reversible block " + name + " " + rule + ", but maps "
                    + Arrays.toString(in) + " to " + Arrays.toString(out) + " (stride and " + layout.unit() + " must not change)");
        }
    }

}
