package io.github.revnet.core.reversible;

import io.github.revnet.bridge.RandomStream;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import io.github.revnet.core.reversible.BlockWalk.Direction;
import io.github.revnet.core.reversible.ReversibleBlock.AroundFunction;
import io.github.revnet.core.reversible.ReversibleBlock.Function;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Block-level checkpointing, the usual alternative to reversibility: forward keeps each block's
 * input (not its internals); backward recomputes one block at a time from its saved input and
 * backpropagates through it. Memory grows with depth by one block input per block.
 *
 * <p>Blocks run on the two halves, as in {@link ReversibleBackprop}, so the stack splits its input
 * and joins its output once instead of per block. The same {@link Safeguards} apply.
 */
final class CheckpointBackprop extends BlockwiseBackprop {
    private final List<Tensor[]> inputs = new ArrayList<>();

    CheckpointBackprop(List<ReversibleBlock> blocks, Safeguards safeguards, RandomStream random, AroundFunction precision,
            AroundFunction outputs) {
        super(blocks, safeguards, random, precision, outputs);
    }

    /**
     * The stack's forward without a graph, keeping each block's input, the random state the block
     * starts from (its draws run in order, F's then G's, so the state before F is all a replay of the
     * whole block needs) and the autocast state of each function.
     */
    @Override
    protected Tensor forward(Tensor input) {
        return PhaseClock.time(Phase.FORWARD_NO_GRAPH, () -> BlockWalk.walk(blocks, Direction.FIRST_TO_LAST, () -> layout.split(input),
                (i, block, x) -> {
                    inputs.add(new Tensor[] {save(new Tensor(x[0])), save(new Tensor(x[1]))});
                    return block.forward(x[0], x[1], forwardRun(i, java.util.EnumSet.of(Function.F)));
                }, layout::join));
    }

    /** From the last block to the first: each block recomputed from its saved input and backpropagated through. */
    @Override
    protected Tensor backwardThroughBlocks(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        return BlockWalk.walk(blocks, Direction.LAST_TO_FIRST, () -> layout.split(gradOutput), this::recomputeAndBackward,
                dy -> needsInputGrad ? layout.join(dy) : null);
    }

    /** Runs block i again from its saved input, with a graph, and backpropagates {@code dy} through it; returns dL/dx. */
    private Tensor[] recomputeAndBackward(int i, ReversibleBlock block, Tensor[] dy) {
        Tensor x1 = leaf(inputs.get(i)[0]);
        Tensor x2 = leaf(inputs.get(i)[1]);
        AroundFunction replay = replay(i, safeguards);
        java.util.function.Supplier<Tensor[]> recompute = () -> {
            Tensor[] y = recomputation.forward(() -> block.forward(x1, x2, replay));
            recomputation.backward(new TensorVector(y[0], y[1]), new TensorVector(dy[0], dy[1]));
            return y;
        };
        if (safeguards.freezeRunningStats()) {
            RunningStats.frozen(block, recompute);
        } else {
            recompute.get();
        }
        // grad() is a reference into the leaf: owned handles to the same buffers
        return new Tensor[] {new Tensor(x1.grad()), new Tensor(x2.grad())};
    }

    @Override
    protected void releaseState() {
        super.releaseState();
        inputs.clear();
    }
}
