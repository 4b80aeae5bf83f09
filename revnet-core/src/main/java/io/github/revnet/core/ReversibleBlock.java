package io.github.revnet.core;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Additive coupling (Gomez et al., 2017): with the channels split into halves (x1, x2),
 * y1 = x1 + F(x2), y2 = x2 + G(y1); exactly invertible as x2 = y2 − G(y1), x1 = y1 − F(x2).
 * F and G may be any layers that keep their input's shape.
 */
public final class ReversibleBlock extends Layer {
    private final Layer f;
    private final Layer g;

    public ReversibleBlock(Layer f, Layer g) {
        this.f = add("F", java.util.Objects.requireNonNull(f, "F"));
        this.g = add("G", java.util.Objects.requireNonNull(g, "G"));
    }

    /** A block over {@code channels} channels whose F and G are residual functions shaped by {@code template}. */
    public static ReversibleBlock of(int channels, FunctionOptions template) {
        Check.positive("block channels", channels);
        Check.even("block channels", channels);
        if (template.stride() != 1) {
            throw new IllegalArgumentException("a reversible block must keep its shape: F/G stride must be 1, got "
                    + template.stride());
        }
        int half = channels / 2;
        FunctionOptions halves = template.withChannels(half, half, 1);
        return new ReversibleBlock(new ResidualFunction(halves), new ResidualFunction(halves));
    }

    public Layer f() {
        return f;
    }

    public Layer g() {
        return g;
    }

    /** y1 = x1 + F(x2), y2 = x2 + G(y1). */
    public Tensor[] forward(Tensor x1, Tensor x2) {
        Tensor y1 = NativeScope.call(() -> x1.add(f.forward(x2)));
        Tensor y2 = NativeScope.call(() -> x2.add(g.forward(y1)));
        return new Tensor[] {y1, y2};
    }

    /** x2 = y2 − G(y1), x1 = y1 − F(x2). */
    public Tensor[] inverse(Tensor y1, Tensor y2) {
        Tensor x2 = NativeScope.call(() -> y2.sub(g.forward(y1)));
        Tensor x1 = NativeScope.call(() -> y1.sub(f.forward(x2)));
        return new Tensor[] {x1, x2};
    }

    @Override
    public Tensor forward(Tensor input) {
        outputShape(Shapes.of(input));
        Tensor[] x = split(input);
        return join(forward(x[0], x[1]));
    }

    public Tensor inverse(Tensor output) {
        outputShape(Shapes.of(output));
        Tensor[] y = split(output);
        return join(inverse(y[0], y[1]));
    }

    @Override
    public long[] outputShape(long[] s) {
        Check.rank4("reversible block input", s);
        if (s[1] % 2 != 0) {
            throw new IllegalArgumentException("a reversible block splits channels into two halves: channel count must be even, got "
                    + s[1]);
        }
        long[] half = {s[0], s[1] / 2, s[2], s[3]};
        requireSameShape("F", half, f.outputShape(half));
        requireSameShape("G", half, g.outputShape(half));
        return s.clone();
    }

    private static void requireSameShape(String name, long[] in, long[] out) {
        if (!Arrays.equals(in, out)) {
            throw new IllegalArgumentException("inside a reversible block " + name + " must keep its input's shape, but maps "
                    + Arrays.toString(in) + " to " + Arrays.toString(out) + " (stride and channels must not change)");
        }
    }

    /** The two channel halves of a (N, C, H, W) tensor, as views. */
    static Tensor[] split(Tensor x) {
        TensorVector halves = x.chunk(2, 1);
        // Vector elements are references into the vector: copy the handles so they outlive it.
        return new Tensor[] {new Tensor(halves.get(0)), new Tensor(halves.get(1))};
    }

    static Tensor join(Tensor[] halves) {
        return torch.cat(new TensorVector(halves[0], halves[1]), 1);
    }
}
