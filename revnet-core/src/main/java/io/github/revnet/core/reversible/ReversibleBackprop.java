package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.core.Layer;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import io.github.revnet.core.reversible.BlockWalk.Direction;
import io.github.revnet.core.reversible.ReversibleBlock.AroundFunction;
import io.github.revnet.core.reversible.ReversibleBlock.Function;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A reversible stack as one custom autograd function. Forward keeps no block activations, only
 * the random-number state each F and G started from. Backward is Algorithm 1 of Gomez et al.
 * (2017): walking the blocks from last to first, it reconstructs each block's input from its
 * output and reuses that same recomputation of F and G for the gradients.
 *
 * <p>Profiling attaches at the seams ({@link Recomputation}, {@link PhasedCoupling}, the random
 * states and running statistics charge themselves); the rest of the forward pass is charged to
 * the forward without graph, the rest of the backward to bookkeeping.
 */
final class ReversibleBackprop extends BlockwiseBackprop {
    ReversibleBackprop(List<ReversibleBlock> blocks, Safeguards safeguards, RandomStream random, AroundFunction precision,
            AroundFunction outputs) {
        super(blocks, safeguards, random, precision, outputs);
    }

    /** The stack's forward without a graph, remembering only where each function began: its random draws and its autocast state. */
    @Override
    protected Tensor forward(Tensor input) {
        return PhaseClock.time(Phase.FORWARD_NO_GRAPH, () -> BlockWalk.walk(blocks, Direction.FIRST_TO_LAST, () -> layout.split(input),
                (i, block, x) -> block.forward(x[0], x[1], forwardRun(i, java.util.EnumSet.allOf(Function.class))), layout::join));
    }

    /**
     * Back from forward's output to its input without a graph: the reconstruction an intact backward performs, without the
     * gradients. It replays every function's start whatever the safeguards say: the gate derives its tolerances from this
     * reconstruction, and a variant with a safeguard off must not widen its own tolerance by reconstructing worse.
     */
    Tensor inverse(Tensor output) {
        return BlockWalk.walk(blocks, Direction.LAST_TO_FIRST, () -> layout.split(output),
                (i, block, y) -> block.inverse(y[0], y[1], replay(i, Safeguards.ON)), layout::join);
    }

    /** Algorithm 1 over the stack: from the last block to the first, each block's {@link #step}. */
    @Override
    protected Tensor backwardThroughBlocks(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        return BlockWalk.walk(blocks, Direction.LAST_TO_FIRST, () -> join(layout.split(output), layout.split(gradOutput)),
                (i, block, carried) -> step(i, block, carried[0], carried[1], carried[2], carried[3]),
                carried -> needsInputGrad ? layout.join(new Tensor[] {carried[2], carried[3]}) : null);
    }

    /**
     * Algorithm 1 for one block: from its output (y1, y2) and the output's gradient (dy1, dy2),
     * returns its input (x1, x2) and the input's gradient (dx1, dx2); F's and G's parameter
     * gradients accumulate on the way. For the additive coupling c(x, h) = x + h this is the paper's
     * listing line by line.
     */
    private Tensor[] step(int i, ReversibleBlock block, Tensor y1, Tensor y2, Tensor dy1, Tensor dy2) {
        Tensor z1 = leaf(y1);
        // x2 = y2 − G(z1);  z1.grad = (∂G/∂z1)ᵀ dy2;  G's parameters += (∂G/∂w)ᵀ dy2
        HalfStep g = walkBack(i, block, Function.G, z1, y2, dy2);
        // dz1 = dy1 + z1.grad
        Tensor dz1 = plusGradientOf(z1, dy1);

        Tensor x2 = leaf(g.input());
        // x1 = z1 − F(x2);  x2.grad = (∂F/∂x2)ᵀ dz1;  F's parameters += (∂F/∂w)ᵀ dz1
        HalfStep f = walkBack(i, block, Function.F, x2, y1, dz1);
        // dx2 = dy2 + x2.grad;  dx1 = dz1  (dy2 and dz1 as they pass back through the coupling)
        Tensor dx2 = plusGradientOf(x2, g.inputGradient());
        return new Tensor[] {f.input(), g.input(), f.inputGradient(), dx2};
    }

    /** One half of a block walked back: the half's input x and dL/dx through the coupling alone. */
    private record HalfStep(Tensor input, Tensor inputGradient) {
    }

    /**
     * For y = c(x, h) with h = function(hIn): runs the function once more on the leaf {@code hIn},
     * from the random and autocast state of the forward pass; reconstructs x = c⁻¹(y, h); backpropagates
     * {@code dy} through c(x, h) with x held fixed, which accumulates hIn's and the function's
     * gradients; and returns x with dL/dx. Running statistics are restored only after the
     * backward, since the graph saved them.
     */
    private HalfStep walkBack(int i, ReversibleBlock block, Function which, Tensor hIn, Tensor y, Tensor dy) {
        Layer function = block.function(which);
        Coupling c = PhasedCoupling.forThisStep(block.coupling());
        AroundFunction replay = replay(i, safeguards);
        java.util.function.Supplier<HalfStep> recompute = () -> {
            Tensor h = recomputation.forward(() -> replay.run(which, () -> function.forward(hIn)));
            Tensor x = Grad.off(() -> c.uncombine(y, h));
            Tensor[] seed = c.backwardSeed(x, h, dy);
            recomputation.backward(new TensorVector(seed[0]), new TensorVector(seed[1]));
            return new HalfStep(x, Grad.off(() -> c.gradientThroughCombine(dy, h)));
        };
        return safeguards.freezeRunningStats() ? RunningStats.frozen(function, recompute) : recompute.get();
    }

    /**
     * The leaf's gradient plus {@code other}, added in place: the gradient buffer belongs to this
     * step's leaf alone, and reusing it spares allocating (and first touching) a new one per half.
     */
    private static Tensor plusGradientOf(Tensor leaf, Tensor other) {
        Tensor sum = new Tensor(leaf.grad()); // grad() is a reference into the leaf: an owned handle to the same buffer
        sum.add_(other);
        return sum;
    }

    private static Tensor[] join(Tensor[] a, Tensor[] b) {
        return new Tensor[] {a[0], a[1], b[0], b[1]};
    }
}
