package io.github.revnet.core.reversible;

import io.github.revnet.bridge.CustomFunction;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import io.github.revnet.core.reversible.ReversibleBlock.AroundFunction;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * What the reversible and the checkpointing backprop share: the blocks, walked on their two
 * halves; the safeguards; the stack's random stream and the states its functions started from;
 * the precision F and G run under and what becomes of their outputs; the recomputation seam; and a backward that runs with the stack's stream active and leaves it
 * where the forward pass left it.
 */
abstract class BlockwiseBackprop extends CustomFunction {
    protected final List<ReversibleBlock> blocks;
    protected final StreamLayout layout;
    protected final Safeguards safeguards;
    protected final RandomStream random;
    protected final FunctionStarts starts;
    private final AroundFunction precision;
    private final AroundFunction outputs;
    protected final Recomputation recomputation = Recomputation.forThisStep();

    BlockwiseBackprop(List<ReversibleBlock> blocks, Safeguards safeguards, RandomStream random, AroundFunction precision,
            AroundFunction outputs) {
        this.blocks = blocks;
        this.layout = blocks.get(0).layout();
        this.safeguards = safeguards;
        this.random = random;
        this.starts = new FunctionStarts(random);
        this.precision = precision;
        this.outputs = outputs;
    }

    /** How block i's F and G run in the forward pass: under the precision, their start recorded, their outputs as the stack keeps them. */
    protected AroundFunction forwardRun(int i, java.util.Set<ReversibleBlock.Function> recorded) {
        return outputs.around(precision.around(starts.capturing(i, recorded)));
    }

    /** How block i's F and G run again: from their recorded start (as far as {@code guards} replay it), outputs kept alike. */
    protected AroundFunction replay(int i, Safeguards guards) {
        return outputs.around(starts.replaying(i, guards));
    }

    @Override
    protected final Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        return PhaseClock.time(Phase.BOOKKEEPING, () -> random.activate(() -> {
            try (RngState resume = random.capture()) {
                Tensor dx = backwardThroughBlocks(output, gradOutput, needsInputGrad);
                resume.restore();
                return dx;
            }
        }));
    }

    /** The backward proper: dL/d(input) from the output and its gradient (null when the input needs none). */
    protected abstract Tensor backwardThroughBlocks(Tensor output, Tensor gradOutput, boolean needsInputGrad);

    /** A detached alias of {@code t} that records its own gradient: where a recomputation's backward stops. */
    static Tensor leaf(Tensor t) {
        Tensor leaf = t.detach();
        leaf.requires_grad_(true);
        return leaf;
    }

    @Override
    protected void releaseState() {
        starts.close();
    }
}
