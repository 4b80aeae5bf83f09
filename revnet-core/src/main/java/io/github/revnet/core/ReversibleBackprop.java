package io.github.revnet.core;

import io.github.revnet.bridge.CustomFunction;
import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.LoopCarry;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import static io.github.revnet.core.profile.Phase.BOOKKEEPING;
import static io.github.revnet.core.profile.Phase.FORWARD_NO_GRAPH;
import static io.github.revnet.core.profile.Phase.RANDOM_STATE;
import static io.github.revnet.core.profile.Phase.RECOMPUTE_BACKWARD;
import static io.github.revnet.core.profile.Phase.RECOMPUTE_FORWARD;
import static io.github.revnet.core.profile.Phase.RECONSTRUCTION;
import static io.github.revnet.core.profile.PhaseClock.time;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A reversible stack as one custom autograd function. Forward keeps no block activations, only
 * the random-number state each F and G started from. Backward is Algorithm 1 of Gomez et al.
 * (2017): walking the blocks from last to first, it reconstructs each block's input from its
 * output and reuses that same recomputation of F and G for the gradients.
 */
final class ReversibleBackprop extends CustomFunction {
    private final List<ReversibleBlock> blocks;
    private final Safeguards safeguards;
    private final RandomStream random;
    private final List<RngState> beforeF = new ArrayList<>();
    private final List<RngState> beforeG = new ArrayList<>();
    private final StreamLayout layout;

    ReversibleBackprop(List<ReversibleBlock> blocks, Safeguards safeguards, RandomStream random) {
        this.blocks = blocks;
        this.safeguards = safeguards;
        this.random = random;
        this.layout = blocks.get(0).layout();
    }

    @Override
    protected Tensor forward(Tensor input) {
        try (LoopCarry x = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                x.set(scope, layout.split(input));
            }
            for (ReversibleBlock block : blocks) {
                try (NativeScope scope = NativeScope.open()) {
                    Coupling c = block.coupling();
                    Tensor x1 = x.get(0);
                    Tensor x2 = x.get(1);
                    beforeF.add(time(RANDOM_STATE, () -> random.captureUnlessUnchanged(beforeG.isEmpty() ? null : beforeG.get(beforeG.size() - 1))));
                    Tensor y1 = NativeScope.call(() -> time(FORWARD_NO_GRAPH, () -> c.combine(x1, block.f().forward(x2))));
                    beforeG.add(time(RANDOM_STATE, () -> random.captureUnlessUnchanged(beforeF.get(beforeF.size() - 1))));
                    Tensor y2 = NativeScope.call(() -> time(FORWARD_NO_GRAPH, () -> c.combine(x2, block.g().forward(y1))));
                    x.set(scope, y1, y2);
                }
            }
            return layout.join(new Tensor[] {x.get(0), x.get(1)});
        }
    }

    /**
     * Walks back from forward's output to its input without a graph, recomputing F and G from the
     * random state forward used: the reconstruction backward performs, without the gradients.
     */
    Tensor inverse(Tensor output) {
        try (LoopCarry y = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                y.set(scope, layout.split(output));
            }
            for (int i = blocks.size() - 1; i >= 0; i--) {
                try (NativeScope scope = NativeScope.open()) {
                    ReversibleBlock block = blocks.get(i);
                    Coupling c = block.coupling();
                    Tensor y1 = y.get(0);
                    beforeG.get(i).restore();
                    Tensor x2 = c.uncombine(y.get(1), block.g().forward(y1));
                    beforeF.get(i).restore();
                    y.set(scope, c.uncombine(y1, block.f().forward(x2)), x2);
                }
            }
            return layout.join(new Tensor[] {y.get(0), y.get(1)});
        }
    }

    @Override
    protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        return time(BOOKKEEPING, () -> random.activate(() -> reconstructingBackward(output, gradOutput, needsInputGrad)));
    }

    private Tensor reconstructingBackward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        try (RngState resume = time(RANDOM_STATE, () -> random.capture()); LoopCarry carry = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                Tensor[] y = layout.split(output);
                Tensor[] dy = layout.split(gradOutput);
                carry.set(scope, y[0], y[1], dy[0], dy[1]);
            }
            for (int i = blocks.size() - 1; i >= 0; i--) {
                try (NativeScope scope = NativeScope.open()) {
                    carry.set(scope, step(i, carry.get(0), carry.get(1), carry.get(2), carry.get(3)));
                }
            }
            time(RANDOM_STATE, resume::restore);
            return needsInputGrad ? layout.join(new Tensor[] {carry.get(2), carry.get(3)}) : null;
        }
    }

    /**
     * Algorithm 1 for block i. From the block's output (y1, y2) and its gradient (dy1, dy2),
     * returns its input (x1, x2) and the input's gradient (dx1, dx2); F's and G's parameter
     * gradients accumulate on the way.
     */
    private Tensor[] step(int i, Tensor y1, Tensor y2, Tensor dy1, Tensor dy2) {
        ReversibleBlock block = blocks.get(i);
        Tensor z1 = leaf(y1);
        // x2 = c⁻¹(y2, G(z1)); z1.grad = (∂y2/∂z1)ᵀ dy2; G's parameter gradients from dy2
        HalfStep g = recomputeAndBackward(block.g(), block.coupling(), z1, beforeG.get(i), y2, dy2);
        Tensor dz1 = time(RECONSTRUCTION, () -> gradientPlus(z1, dy1));

        Tensor x2 = leaf(g.input());
        // x1 = c⁻¹(z1, F(x2)); x2.grad = (∂y1/∂x2)ᵀ dz1; F's parameter gradients from dz1
        HalfStep f = recomputeAndBackward(block.f(), block.coupling(), x2, beforeF.get(i), y1, dz1);
        Tensor dx2 = time(RECONSTRUCTION, () -> gradientPlus(x2, g.inputGradient()));
        return new Tensor[] {f.input(), g.input(), f.inputGradient(), dx2};
    }

    /** One half of a block walked back: the half's input x and dL/dx through the coupling (not through the function). */
    private record HalfStep(Tensor input, Tensor inputGradient) {
    }

    /**
     * For y = c(x, function(h)): runs {@code function} forward once more on the leaf {@code h},
     * from the random state of the forward pass; reconstructs x = c⁻¹(y, h'); backpropagates
     * {@code dy} through c(x, function(h)) with x held fixed, which accumulates h's and the
     * function's gradients; and returns x with dL/dx. Running statistics are restored only after
     * the backward, since the graph saved them.
     */
    private HalfStep recomputeAndBackward(Layer function, Coupling coupling, Tensor h, RngState rng, Tensor y, Tensor dy) {
        if (safeguards.restoreRandomState()) {
            time(RANDOM_STATE, rng::restore);
        }
        java.util.function.Supplier<HalfStep> recomputation = () -> {
            Tensor out = time(RECOMPUTE_FORWARD, () -> function.forward(h));
            Tensor x = time(RECONSTRUCTION, () -> Grad.off(() -> coupling.uncombine(y, out)));
            Tensor[] seed = time(RECONSTRUCTION, () -> coupling.backwardSeed(x, out, dy));
            time(RECOMPUTE_BACKWARD, () -> backward(seed[0], seed[1]));
            return new HalfStep(x, time(RECONSTRUCTION, () -> Grad.off(() -> coupling.gradientThroughCombine(dy, out))));
        };
        return safeguards.freezeRunningStats() ? RunningStats.frozen(function, recomputation) : recomputation.get();
    }

    /**
     * The leaf's gradient plus {@code other}, added in place: the gradient buffer belongs to this
     * step's leaf alone, and reusing it spares allocating (and first touching) a new one per half.
     */
    private static Tensor gradientPlus(Tensor leaf, Tensor other) {
        Tensor sum = new Tensor(leaf.grad()); // grad() is a reference into the leaf: an owned handle to the same buffer
        sum.add_(other);
        return sum;
    }

    /** A detached alias of {@code t} that records its own gradient: where a recomputation's backward stops. */
    static Tensor leaf(Tensor t) {
        Tensor leaf = t.detach();
        leaf.requires_grad_(true);
        return leaf;
    }

    private static void backward(Tensor output, Tensor gradient) {
        org.bytedeco.pytorch.global.torch.backward(new TensorVector(output), new TensorVector(gradient), new BoolOptional(),
                false, new TensorVector());
    }

    @Override
    protected void releaseState() {
        beforeF.forEach(RngState::close);
        beforeG.forEach(RngState::close);
        beforeF.clear();
        beforeG.clear();
    }
}
