package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class CustomFunctionTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    /** y = x * x * w, with the backward written by hand: dx = 2 x w dy, dw = sum(x^2 dy). */
    static final class ScaledSquare extends CustomFunction {
        final Tensor weight;
        Tensor input;
        int backwardCalls;

        ScaledSquare(Tensor weight) {
            this.weight = weight;
        }

        @Override
        protected Tensor forward(Tensor x) {
            input = save(x);
            return x.mul(x).mul(weight);
        }

        @Override
        protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
            backwardCalls++;
            Tensor dw = input.mul(input).mul(gradOutput).sum();
            weight.mutable_grad().add_(dw.view_as(weight));
            return needsInputGrad ? input.mul(weight).mul(gradOutput).mul(new org.bytedeco.pytorch.Scalar(2.0)) : null;
        }
    }

    private static Tensor leaf(long... shape) {
        Tensor t = torch.randn(shape, F64);
        t.requires_grad_(true);
        return t;
    }

    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    @Test
    void customBackwardGivesTheSameGradientsAsAutograd() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(1);
            Tensor a = leaf(3, 4);
            Tensor w = leaf(1);
            w.mutable_grad().put(torch.zeros(new long[] {1}, F64));
            Tensor coefficients = torch.randn(new long[] {3, 4}, F64);

            // Upstream op (a * 3) and downstream op (* coefficients) around the custom function.
            Tensor x = a.mul(new org.bytedeco.pytorch.Scalar(3.0));
            ScaledSquare f = new ScaledSquare(w);
            Tensor loss = f.apply(x).mul(coefficients).sum();
            loss.backward();
            Tensor customGradA = a.grad().clone();
            Tensor customGradW = w.grad().clone();
            assertEquals(1, f.backwardCalls);

            a.mutable_grad().zero_();
            w.mutable_grad().zero_();
            Tensor x2 = a.mul(new org.bytedeco.pytorch.Scalar(3.0));
            x2.mul(x2).mul(w).mul(coefficients).sum().backward();

            assertTrue(maxDiff(customGradA, a.grad()) < 1e-12, "input gradient differs");
            assertTrue(maxDiff(customGradW, w.grad()) < 1e-12, "parameter gradient differs");
            assertTrue(customGradA.abs().sum().item_double() > 0, "gradient must not be trivially zero");
        }
    }

    @Test
    void outputEqualsForwardExactlyEvenForNonFiniteInput() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor w = leaf(1);
            Tensor x = torch.ones(new long[] {2, 2}, F64).mul(new org.bytedeco.pytorch.Scalar(Double.POSITIVE_INFINITY));
            x.requires_grad_(true);
            Tensor y = new ScaledSquare(w).apply(x);
            assertTrue(y.isinf().all().item_bool(), "link must not turn inf into nan");
        }
    }

    @Test
    void parameterGradientsArriveWhenTheInputNeedsNone() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor w = leaf(1);
            w.mutable_grad().put(torch.zeros(new long[] {1}, F64));
            Tensor x = torch.randn(new long[] {5}, F64);
            new ScaledSquare(w).apply(x).sum().backward();
            double expected = x.mul(x).sum().item_double();
            assertEquals(expected, w.grad().item_double(), 1e-12);
        }
    }

    @Test
    void garbageCollectionBetweenForwardAndBackwardChangesNothing() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(2);
            Tensor a = leaf(8);
            Tensor w = leaf(1);
            w.mutable_grad().put(torch.zeros(new long[] {1}, F64));
            Tensor loss = new ScaledSquare(w).apply(a).sum();
            for (int i = 0; i < 3; i++) {
                System.gc();
                System.runFinalization();
            }
            loss.backward();
            Tensor expected = a.mul(w).mul(new org.bytedeco.pytorch.Scalar(2.0));
            assertTrue(maxDiff(a.grad(), expected) < 1e-12);
        }
    }

    @Test
    void aFailingBackwardSurfacesAsAJavaExceptionNotACrash() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor a = leaf(4);
            CustomFunction broken = new CustomFunction() {
                @Override
                protected Tensor forward(Tensor input) {
                    return input.mul(new org.bytedeco.pytorch.Scalar(2.0));
                }

                @Override
                protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
                    throw new IllegalArgumentException("deliberate failure in backward");
                }
            };
            Tensor loss = broken.apply(a).sum();
            RuntimeException e = assertThrows(RuntimeException.class, loss::backward);
            assertTrue(String.valueOf(e.getMessage()).contains("deliberate failure"), "message was: " + e.getMessage());
        }
    }

    @Test
    void noGraphIsBuiltWhenGradIsOff() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor a = leaf(4);
            Tensor w = leaf(1);
            Tensor y = Grad.off(() -> new ScaledSquare(w).apply(a));
            assertFalse(y.requires_grad());
        }
    }

    /** Counts releaseState calls and keeps the saved input to see it released. */
    static final class Doubling extends CustomFunction {
        int releases;
        Tensor saved;
        boolean returnNoGradient;

        @Override
        protected Tensor forward(Tensor input) {
            saved = save(input.clone());
            return input.mul(new org.bytedeco.pytorch.Scalar(2.0));
        }

        @Override
        protected Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad) {
            return returnNoGradient || !needsInputGrad ? null : gradOutput.mul(new org.bytedeco.pytorch.Scalar(2.0));
        }

        @Override
        protected void releaseState() {
            releases++;
        }
    }

    @Test
    void aZeroDimensionalInputIsRefusedBeforeAnyGraphIsBuilt() {
        try (NativeScope scope = NativeScope.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Doubling().apply(torch.ones(new long[0])));
            assertTrue(e.getMessage().contains("0-dim"), e.getMessage());
        }
    }

    @Test
    void savedStateGoesAsSoonAsBackwardHasRunAndGradientsAreExact() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor a = leaf(5);
            Doubling f = new Doubling();
            Tensor y = f.apply(a);
            assertEquals(0, maxDiff(y, a.mul(new org.bytedeco.pytorch.Scalar(2.0))));
            assertFalse(f.saved.isNull(), "saved tensors live until backward");
            assertEquals(0, f.releases);
            y.sum().backward();
            assertTrue(f.saved.isNull(), "saved tensors must be released once backward has run");
            assertEquals(1, f.releases);
            assertEquals(0, maxDiff(a.grad(), torch.full(new long[] {5}, new org.bytedeco.pytorch.Scalar(2.0), F64)));
        }
    }

    @Test
    void withoutAGraphNothingIsKeptForABackward() {
        try (NativeScope scope = NativeScope.open()) {
            Doubling f = new Doubling();
            Grad.off(() -> f.apply(leaf(3)));
            assertTrue(f.saved.isNull(), "without a graph, saved tensors must go at once");
            assertEquals(1, f.releases);
        }
    }

    @Test
    void stateIsReleasedWithTheOwningScopeWhenBackwardNeverRuns() {
        Doubling f = new Doubling();
        try (NativeScope scope = NativeScope.open()) {
            f.apply(leaf(3));
            assertEquals(0, f.releases);
        }
        assertTrue(f.saved.isNull());
        assertEquals(1, f.releases);
    }

    @Test
    void aSecondBackwardIsRefusedWithAClearMessage() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor a = leaf(3);
            Tensor y = new Doubling().apply(a).mul(new org.bytedeco.pytorch.Scalar(1.0));
            Tensor loss = y.sum();
            loss.backward(new Tensor(), new org.bytedeco.pytorch.BoolOptional(true), false, new org.bytedeco.pytorch.TensorArrayRefOptional());
            RuntimeException e = assertThrows(RuntimeException.class, () -> loss.backward());
            assertTrue(String.valueOf(e.getMessage()).contains("already ran once"), "message was: " + e.getMessage());
        }
    }

    @Test
    void aBackwardThatForgetsTheInputGradientIsReported() {
        try (NativeScope scope = NativeScope.open()) {
            Doubling f = new Doubling();
            f.returnNoGradient = true;
            Tensor loss = f.apply(leaf(3)).sum();
            RuntimeException e = assertThrows(RuntimeException.class, loss::backward);
            assertTrue(String.valueOf(e.getMessage()).contains("returned no input gradient"), "message was: " + e.getMessage());
        }
    }

    @Test
    void anInputWithoutGradientStillGetsItsBackwardRunForParameters() {
        try (NativeScope scope = NativeScope.open()) {
            Doubling f = new Doubling();
            Tensor y = f.apply(torch.ones(3));
            assertTrue(y.requires_grad(), "the output must join the graph through the private leaf");
            y.sum().backward();
            assertEquals(1, f.releases);
        }
    }

    @Test
    void everyNativeHandleOfAForwardAndBackwardIsReleasedWithTheOwningScope() {
        Tensor a;
        try (NativeScope setup = NativeScope.open()) {
            a = setup.adopt(leaf(4));
        }
        for (boolean runBackward : new boolean[] {true, false}) {
            long before = NativeScope.handlesAwaitingCollector();
            try (NativeScope scope = NativeScope.open()) {
                Tensor loss = new Doubling().apply(a).sum();
                if (runBackward) {
                    loss.backward();
                }
            }
            assertEquals(before, NativeScope.handlesAwaitingCollector(),
                    "saved tensors, hooks and the stashed input gradient must all be released by the scope (backward ran: " + runBackward + ")");
        }
        NativeScope.release(a);
    }
}
