package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.layers.BatchNorm;
import io.github.revnet.core.layers.Conv;
import io.github.revnet.core.layers.Dropout;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pieces of reconstruction-based backprop one at a time: dropout from the stack's stream, the
 * stream left where forward left it, running statistics frozen during recomputation, the block's
 * algebra, and the safeguards whose absence the gradients must show.
 */
class BackwardMachineryTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    private static ReversibleStack stack(int blocks, int channels, FunctionOptions template) {
        ReversibleStack s = ReversibleStack.of(blocks, channels, template);
        s.module().to(torch.ScalarType.Double, false);
        return s;
    }

    /** Relative error of the worst parameter or input gradient between two modes, with both passes reseeded alike. */
    private static double worstError(ReversibleStack s, Tensor x0, Mode mode) {
        Tensor w = torch.linspace(new Scalar(-1.0), new Scalar(2.0), x0.numel(), F64).view_as(x0);
        Tensor[] stored = StackGradients.of(s, x0, w, Mode.STORED, true, 123);
        Tensor[] other = StackGradients.of(s, x0, w, mode, true, 123);
        double worst = 0;
        for (int i = 0; i < stored.length; i++) {
            worst = Math.max(worst, GradientCheck.relativeError(other[i], stored[i]));
        }
        return worst;
    }


    @Test
    void dropoutIsInvertedAndDrawnFromTheActiveStream() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.ones(new long[] {1000}, F64);
            assertSame(x, Dropout.apply(x, 0.0, true), "p = 0 must be the identity");
            assertSame(x, Dropout.apply(x, 0.5, false), "evaluation mode must be the identity");
            RandomStream stream = RandomStream.seeded(4);
            Tensor y = stream.activate(() -> Dropout.apply(x, 0.25, true));
            Tensor kept = y.ne(new Scalar(0.0));
            assertEquals(0.0, y.masked_select(kept).sub(new Scalar(1 / 0.75)).abs().max().item_double(), 1e-15,
                    "kept elements are scaled by 1/(1-p)");
            long count = kept.sum().item_long();
            assertTrue(count > 700 && count < 800, "about three quarters kept, got " + count);
            stream.reseed(4);
            assertTrue(stream.activate(() -> Dropout.apply(x, 0.25, true)).eq(y).all().item_bool(), "same stream state, same mask");
        }
    }

    @Test
    void reversibleAndCheckpointGradientsMatchStoredWithDropoutAndBatchNorm() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(21);
            ReversibleStack s = stack(3, 4, FunctionOptions.of(1, 1).dropout(0.3));
            Tensor x = torch.randn(new long[] {3, 4, 5, 5}, F64);
            assertTrue(worstError(s, x, Mode.REVERSIBLE) < 1e-10);
            assertTrue(worstError(s, x, Mode.CHECKPOINT) < 1e-10);
        }
    }

    @Test
    void withoutRestoringTheRandomStateTheDropoutMasksAndGradientsDiffer() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(22);
            ReversibleStack s = stack(2, 4, FunctionOptions.of(1, 1).dropout(0.3));
            s.safeguards(Safeguards.ON.withoutRandomStateRestore());
            Tensor x = torch.randn(new long[] {2, 4, 4, 4}, F64);
            assertTrue(worstError(s, x, Mode.REVERSIBLE) > 1e-3, "unreplayed masks must change reversible mode's gradients");
            assertTrue(worstError(s, x, Mode.CHECKPOINT) > 1e-3, "unreplayed masks must change checkpoint mode's gradients");
        }
    }

    @Test
    void withoutFreezingTheRunningStatisticsTheyAreUpdatedTwice() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(23);
            for (Mode mode : new Mode[] {Mode.REVERSIBLE, Mode.CHECKPOINT}) {
                for (Safeguards safeguards : new Safeguards[] {Safeguards.ON, Safeguards.ON.withoutRunningStatsFreeze()}) {
                    ReversibleStack s = stack(2, 4, FunctionOptions.of(1, 1));
                    s.safeguards(safeguards);
                    Tensor x = torch.randn(new long[] {2, 4, 4, 4}, F64);
                    Tensor counter = s.namedBuffers().entrySet().stream().filter(e -> e.getKey().endsWith("num_batches_tracked")).findFirst()
                            .orElseThrow().getValue();
                    Tensor input = x.clone();
                    input.requires_grad_(true);
                    try (NativeScope pass = NativeScope.open()) {
                        s.forward(input, mode).sum().backward();
                    }
                    assertEquals(safeguards.freezeRunningStats() ? 1 : 2, counter.item_long(), "batch counter after one " + mode + " step with " + safeguards);
                }
            }
        }
    }

    @Test
    void backwardLeavesTheStreamWhereForwardLeftIt() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(24);
            ReversibleStack s = stack(2, 4, FunctionOptions.of(1, 1).dropout(0.3));
            Tensor x = torch.randn(new long[] {2, 4, 3, 3}, F64);
            Mode[] modes = {Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT};
            Tensor[] after = new Tensor[modes.length];
            for (int m = 0; m < modes.length; m++) {
                Mode mode = modes[m];
                s.reseed(5);
                Tensor input = x.clone();
                input.requires_grad_(true);
                try (NativeScope pass = NativeScope.open()) {
                    s.forward(input, mode).sum().backward();
                }
                // The next forward's masks must continue the stream exactly where forward left it.
                after[m] = Grad.off(() -> s.forward(x, Mode.STORED));
            }
            assertTrue(after[0].eq(after[1]).all().item_bool(), "reversible backward must not advance or rewind the stack's stream");
            assertTrue(after[0].eq(after[2]).all().item_bool(), "checkpoint backward must not advance or rewind the stack's stream");
        }
    }

    @Test
    void runningStatisticsAreRestoredAfterFrozenWorkAndUntouchedInEvaluation() {
        try (NativeScope scope = NativeScope.open()) {
            BatchNorm norm = new BatchNorm(3);
            norm.module().to(torch.ScalarType.Double, false);
            Tensor x = torch.randn(new long[] {4, 3, 2, 2}, F64).add(new Scalar(5.0));
            List<Tensor> before = Grad.off(() -> norm.buffers().stream().map(Tensor::clone).toList());
            Tensor out = RunningStats.frozen(norm, () -> Grad.off(() -> norm.forward(x)));
            assertTrue(out.defined());
            for (int i = 0; i < before.size(); i++) {
                assertTrue(norm.buffers().get(i).equal(before.get(i)), "buffer " + i + " changed inside frozen()");
            }
            Grad.off(() -> norm.forward(x));
            assertTrue(!norm.buffers().get(0).equal(before.get(0)), "outside frozen() the running mean must move");
            assertEquals(7, (int) RunningStats.frozen(new ReversibleBlock(new Conv(2, 2, 1, 1), new Conv(2, 2, 1, 1)), () -> 7));
        }
    }

    @Test
    void aBlockIsExactlyTheAdditiveCouplingAndItsInverse() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(25);
            ReversibleBlock block = ReversibleBlock.of(4, FunctionOptions.of(1, 1).batchNorm(false));
            block.module().to(torch.ScalarType.Double, false);
            Tensor x1 = torch.randn(new long[] {2, 2, 3, 3}, F64);
            Tensor x2 = torch.randn(new long[] {2, 2, 3, 3}, F64);
            Grad.off(() -> {
                Tensor[] y = block.forward(x1, x2);
                Tensor y1 = x1.add(block.f().forward(x2));
                assertEquals(0.0, y[0].sub(y1).abs().max().item_double());
                assertEquals(0.0, y[1].sub(x2.add(block.g().forward(y1))).abs().max().item_double());
                Tensor[] back = block.inverse(y[0], y[1]);
                assertTrue(back[0].sub(x1).abs().max().item_double() < 1e-14);
                assertTrue(back[1].sub(x2).abs().max().item_double() < 1e-14);
                Tensor joined = torch.cat(new org.bytedeco.pytorch.TensorVector(x1, x2), 1);
                assertTrue(block.inverse(block.forward(joined)).sub(joined).abs().max().item_double() < 1e-14);
                return null;
            });
            assertThrows(IllegalArgumentException.class, () -> block.outputShape(new long[] {2, 3, 3, 3}));
        }
    }

    @Test
    void theStackInverseAndReconstructionAgree() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(26);
            ReversibleStack s = stack(3, 4, FunctionOptions.of(1, 1).batchNorm(false));
            Tensor x = torch.randn(new long[] {2, 4, 3, 3}, F64);
            Tensor back = Grad.off(() -> s.inverse(s.forward(x)));
            assertTrue(back.sub(x).abs().max().item_double() < 1e-13);
            ReversibleStack.Reconstruction r = s.reconstruction(x);
            assertTrue(r.maxAbsError() < 1e-13 && r.normError() >= r.maxAbsError(), String.valueOf(r));
            assertEquals(r.maxAbsError(), s.reconstructionError(x));
        }
    }

    @Test
    void reconstructionReplaysTheDropoutMasksOfTheForwardPass() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(27);
            ReversibleStack s = stack(3, 4, FunctionOptions.of(1, 1).dropout(0.4));
            Tensor x = torch.randn(new long[] {2, 4, 3, 3}, F64);
            double error = s.reconstructionError(x);
            assertTrue(error < 1e-12, "with replayed masks the inverse is exact to rounding, got " + error);
        }
    }

    @Test
    void everyNativeHandleOfAReversibleOrCheckpointStepIsReleasedWithItsScope() {
        // Graph state belongs to the outermost scope (the step), so the setup lives in an arena, not an enclosing scope.
        try (io.github.revnet.bridge.NativeArena setup = new io.github.revnet.bridge.NativeArena()) {
            ReversibleStack s = setup.run(() -> {
                Torch.seed(28);
                return stack(2, 4, FunctionOptions.of(1, 1).dropout(0.2));
            });
            Tensor x = setup.run(() -> torch.randn(new long[] {2, 4, 3, 3}, F64));
            for (Mode mode : new Mode[] {Mode.REVERSIBLE, Mode.CHECKPOINT}) {
                for (boolean runBackward : new boolean[] {true, false}) {
                    long before = NativeScope.handlesAwaitingCollector();
                    try (NativeScope step = NativeScope.open()) {
                        Tensor input = x.clone();
                        input.requires_grad_(true);
                        Tensor loss = s.forward(input, mode).sum();
                        if (runBackward) {
                            loss.backward();
                        }
                    }
                    assertEquals(before, NativeScope.handlesAwaitingCollector(),
                            "random-state snapshots, hooks and saved tensors must go with the step (" + mode + ", backward " + runBackward + ")");
                }
            }
        }
    }

    @Test
    void blockShapesAreCheckedForRankAndForBothFunctions() {
        try (NativeScope scope = NativeScope.open()) {
            ReversibleBlock block = ReversibleBlock.of(4, FunctionOptions.of(1, 1));
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> block.outputShape(new long[] {2, 4, 3}));
            assertTrue(rank.getMessage().contains("rank 4") && rank.getMessage().contains("reversible block input"), rank.getMessage());
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> block.outputShape(new long[] {0, 4, 3, 3}));
            assertTrue(empty.getMessage().contains("empty dimension"), empty.getMessage());
            ReversibleBlock wideningG = new ReversibleBlock(new ResidualFunction(FunctionOptions.of(2, 2)),
                    new ResidualFunction(FunctionOptions.of(2, 3)));
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> wideningG.outputShape(new long[] {1, 4, 3, 3}));
            assertTrue(g.getMessage().contains("G must keep its input's shape"), g.getMessage());
        }
    }
}
