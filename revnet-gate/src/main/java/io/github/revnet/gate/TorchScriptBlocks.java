package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.kernels.ScriptedRouting;
import io.github.revnet.core.layers.ScriptedFunction;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.StreamLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Reversible blocks whose F and G are TorchScript files, e.g. exported from Python with
 * {@code torch.jit.script(f).save("f.pt")}. Every block of a stack loads its own copies (each
 * starts from the weights in the files). {@link #validate} turns each way such a pair can be
 * unusable into an IllegalArgumentException that says what is wrong.
 */
public final class TorchScriptBlocks {
    private final Path f;
    private final Path g;

    private TorchScriptBlocks(Path f, Path g) {
        this.f = f;
        this.g = g;
    }

    /** F and G from these files: loaded once here, so a missing or non-TorchScript file fails now, naming the file. */
    public static TorchScriptBlocks of(Path f, Path g) {
        for (Path file : new Path[] {f, g}) {
            ScriptedFunction loaded = new ScriptedFunction(file);
            if (loaded.parameters().stream().noneMatch(Tensor::requires_grad)) {
                throw new IllegalArgumentException("TorchScript module " + file + " has no parameters that require a gradient ("
                        + loaded.parameters().size() + " parameters in all): the gate compares parameter gradients between modes, so F and G"
                        + " must each have at least one trainable parameter");
            }
        }
        return new TorchScriptBlocks(f, g);
    }

    /** A name for statistics and messages: the two file names. */
    public String name() {
        return f.getFileName() + "+" + g.getFileName();
    }

    /** The block factory: F and G loaded anew for every block, under the spec's coupling and layout. */
    public BlockFactory factory() {
        return BlockFactory.of(spec -> new ScriptedFunction(f), spec -> new ScriptedFunction(g));
    }

    /** Where blocks over inputs of this shape split them: channels for rank 4, token features for rank 3. */
    public static StreamLayout layoutFor(long[] shape) {
        return switch (shape.length) {
            case 4 -> StreamLayout.CHANNELS;
            case 3 -> StreamLayout.TOKENS;
            default -> throw new IllegalArgumentException("--shape must have rank 4 (N,C,H,W) or 3 (B,T,2D), got " + Arrays.toString(shape));
        };
    }

    /**
     * Checks that a block of these modules accepts {@code shape} under {@code coupling} (each of F
     * and G maps a half to the coupling's shape) and that F and G are functions of their input:
     * two calls on the same input in training mode, from the same random state, must agree bitwise,
     * since reversible mode recomputes them in backward. Random ops inside a script draw from the
     * stack's stream (see {@code ScriptedFunction}) and pass; a module that changes its own state
     * between calls fails here.
     */
    public void validate(long[] shape, DType dtype, Coupling coupling) {
        StreamLayout layout = layoutFor(shape);
        try (NativeScope scope = NativeScope.open()) {
            ReversibleBlock block = new ReversibleBlock(new ScriptedFunction(f), new ScriptedFunction(g), coupling, layout);
            block.module().to(dtype.scalarType(), false);
            block.outputShape(shape);
            long[] half = shape.clone();
            half[layout.axis()] /= 2;
            Torch.seed(1);
            Tensor x = torch.randn(half, new TensorOptions(dtype.scalarType()));
            requireDeterministic(block.f(), f, x);
            requireDeterministic(block.g(), g, x);
        }
    }

    private static void requireDeterministic(Layer function, Path file, Tensor x) {
        function.train(true);
        RandomStream stream = RandomStream.seeded(7);
        Tensor first = stream.activate(() -> function.forward(x));
        stream.reseed(7);
        Tensor second = stream.activate(() -> function.forward(x));
        double difference = GradientCheck.relativeError(second, first);
        if (difference != 0) {
            // The kernels were audited when F first ran (ScriptedRouting), deterministic and right on the route they run on,
            // or the call raised KernelDefect: what differs now comes from the module itself.
            int audited = ScriptedRouting.convolutions(function.parameters(), Shapes.of(x)).size();
            throw new IllegalArgumentException("TorchScript module " + file + " is not deterministic: two calls on the same input differ by "
                    + String.format("%.3g", difference) + " (relative), so the inverse and reversible backward cannot reconstruct it."
                    + " The kernel audit found LibTorch's kernels for its " + audited + " convolution(s) right and deterministic on this"
                    + " CPU, and random ops that draw from LibTorch's default generator (dropout, randn_like) are replayed, so the"
                    + " difference comes from inside the module: it keeps state it changes between calls (a counter, a cache), or draws"
                    + " from a generator of its own");
        }
    }
}
