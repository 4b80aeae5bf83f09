package io.github.revnet.core;

import io.github.revnet.bridge.CustomFunction;
import io.github.revnet.bridge.LoopCarry;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import static io.github.revnet.core.profile.Phase.BOOKKEEPING;
import static io.github.revnet.core.profile.Phase.FORWARD_NO_GRAPH;
import static io.github.revnet.core.profile.Phase.RANDOM_STATE;
import static io.github.revnet.core.profile.Phase.RECOMPUTE_BACKWARD;
import static io.github.revnet.core.profile.Phase.RECOMPUTE_FORWARD;
import static io.github.revnet.core.profile.PhaseClock.time;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Block-level checkpointing, the usual alternative to reversibility: forward keeps each block's
 * input (not its internals); backward recomputes one block at a time from its saved input and
 * backpropagates through it. Memory grows with depth by one block input per block.
 */
final class CheckpointBackprop extends CustomFunction {
    private final List<ReversibleBlock> blocks;
    private final List<Tensor> inputs = new ArrayList<>();
    private final List<RngState> rng = new ArrayList<>();
    private final RandomStream random;

    CheckpointBackprop(List<ReversibleBlock> blocks, RandomStream random) {
        this.blocks = blocks;
        this.random = random;
    }

    @Override
    protected Tensor forward(Tensor input) {
        Tensor x = input;
        for (ReversibleBlock block : blocks) {
            inputs.add(save(x));
            rng.add(time(RANDOM_STATE, () -> random.captureUnlessUnchanged(rng.isEmpty() ? null : rng.get(rng.size() - 1))));
            Tensor current = x;
            x = NativeScope.call(() -> time(FORWARD_NO_GRAPH, () -> block.forward(current)));
        }
        return x;
    }

    @Override
    protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        return time(BOOKKEEPING, () -> random.activate(() -> recomputingBackward(gradOutput, needsInputGrad)));
    }

    private Tensor recomputingBackward(Tensor gradOutput, boolean needsInputGrad) {
        try (RngState resume = time(RANDOM_STATE, () -> random.capture()); LoopCarry grad = new LoopCarry()) {
            Tensor dy = gradOutput;
            for (int i = blocks.size() - 1; i >= 0; i--) {
                final int index = i;
                try (NativeScope scope = NativeScope.open()) {
                    Tensor x = inputs.get(i).detach();
                    x.requires_grad_(true);
                    time(RANDOM_STATE, rng.get(i)::restore);
                    Tensor upstream = index == blocks.size() - 1 ? dy : grad.get(0);
                    RunningStats.frozen(blocks.get(index), () -> {
                        Tensor out = time(RECOMPUTE_FORWARD, () -> blocks.get(index).forward(x));
                        time(RECOMPUTE_BACKWARD, () -> org.bytedeco.pytorch.global.torch.backward(new TensorVector(out),
                                new TensorVector(upstream), new BoolOptional(), false, new TensorVector()));
                        return out;
                    });
                    grad.set(scope, new Tensor(x.grad())); // grad() is a reference into x: copy the handle
                }
            }
            time(RANDOM_STATE, resume::restore);
            return needsInputGrad ? NativeScope.call(() -> grad.get(0).clone()) : null;
        }
    }

    @Override
    protected void releaseState() {
        rng.forEach(RngState::close);
        rng.clear();
        inputs.clear();
    }
}
