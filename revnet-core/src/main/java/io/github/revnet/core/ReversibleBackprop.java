package io.github.revnet.core;

import io.github.revnet.bridge.CustomFunction;
import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.LoopCarry;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
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

    ReversibleBackprop(List<ReversibleBlock> blocks, Safeguards safeguards, RandomStream random) {
        this.blocks = blocks;
        this.safeguards = safeguards;
        this.random = random;
    }

    @Override
    protected Tensor forward(Tensor input) {
        try (LoopCarry x = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                x.set(scope, ReversibleBlock.split(input));
            }
            for (ReversibleBlock block : blocks) {
                try (NativeScope scope = NativeScope.open()) {
                    Tensor x1 = x.get(0);
                    Tensor x2 = x.get(1);
                    beforeF.add(random.capture());
                    Tensor y1 = NativeScope.call(() -> x1.add(block.f().forward(x2)));
                    beforeG.add(random.capture());
                    Tensor y2 = NativeScope.call(() -> x2.add(block.g().forward(y1)));
                    x.set(scope, y1, y2);
                }
            }
            return ReversibleBlock.join(new Tensor[] {x.get(0), x.get(1)});
        }
    }

    /**
     * Walks back from forward's output to its input without a graph, recomputing F and G from the
     * random state forward used: the reconstruction backward performs, without the gradients.
     */
    Tensor inverse(Tensor output) {
        try (LoopCarry y = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                y.set(scope, ReversibleBlock.split(output));
            }
            for (int i = blocks.size() - 1; i >= 0; i--) {
                try (NativeScope scope = NativeScope.open()) {
                    ReversibleBlock block = blocks.get(i);
                    Tensor y1 = y.get(0);
                    beforeG.get(i).restore();
                    Tensor x2 = y.get(1).sub(block.g().forward(y1));
                    beforeF.get(i).restore();
                    y.set(scope, y1.sub(block.f().forward(x2)), x2);
                }
            }
            return ReversibleBlock.join(new Tensor[] {y.get(0), y.get(1)});
        }
    }

    @Override
    protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        return random.activate(() -> reconstructingBackward(output, gradOutput, needsInputGrad));
    }

    private Tensor reconstructingBackward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
        try (RngState resume = random.capture(); LoopCarry carry = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                Tensor[] y = ReversibleBlock.split(output);
                Tensor[] dy = ReversibleBlock.split(gradOutput);
                carry.set(scope, y[0], y[1], dy[0], dy[1]);
            }
            for (int i = blocks.size() - 1; i >= 0; i--) {
                try (NativeScope scope = NativeScope.open()) {
                    carry.set(scope, step(i, carry.get(0), carry.get(1), carry.get(2), carry.get(3)));
                }
            }
            resume.restore();
            return needsInputGrad ? ReversibleBlock.join(new Tensor[] {carry.get(2), carry.get(3)}) : null;
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
        // x2 = y2 − G(z1); z1.grad = (∂G/∂z1)ᵀ dy2; G's parameter gradients from dy2
        Tensor x2 = recomputeAndBackward(block.g(), z1, beforeG.get(i), dy2, gz1 -> y2.sub(gz1));
        Tensor dz1 = dy1.add(z1.grad());

        Tensor x2Leaf = leaf(x2);
        // x1 = z1 − F(x2); x2.grad = (∂F/∂x2)ᵀ dz1; F's parameter gradients from dz1
        Tensor x1 = recomputeAndBackward(block.f(), x2Leaf, beforeF.get(i), dz1, fx2 -> y1.sub(fx2));
        Tensor dx2 = dy2.add(x2Leaf.grad());
        Tensor dx1 = dz1;
        return new Tensor[] {x1, x2, dx1, dx2};
    }

    /**
     * Runs {@code function} forward once more on {@code input}, from the random state of the
     * forward pass, reconstructs a block input from its output, then backpropagates
     * {@code gradient} through that same recomputation. Running statistics are restored only after
     * the backward, since the graph saved them.
     */
    private Tensor recomputeAndBackward(Layer function, Tensor input, RngState rng, Tensor gradient,
            UnaryOperator<Tensor> reconstruct) {
        if (safeguards.restoreRandomState()) {
            rng.restore();
        }
        java.util.function.Supplier<Tensor> recomputation = () -> {
            Tensor output = function.forward(input);
            Tensor reconstructed = Grad.off(() -> reconstruct.apply(output));
            backward(output, gradient);
            return reconstructed;
        };
        return safeguards.freezeRunningStats() ? RunningStats.frozen(function, recomputation) : recomputation.get();
    }

    private static Tensor leaf(Tensor t) {
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
