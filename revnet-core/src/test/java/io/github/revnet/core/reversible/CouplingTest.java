package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.NumericalFailure;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Additive and affine couplings: algebra, bounds, exact inverses, gradients through Algorithm 1, errors. */
class CouplingTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    @Test
    void affineIsAScaleInHalfToOneAndAShift() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(new long[] {2, 3, 2, 2}, F64);
            Tensor raw = torch.randn(new long[] {2, 3, 2, 2}, F64).mul(new Scalar(1000.0));
            Tensor shift = torch.randn(new long[] {2, 3, 2, 2}, F64);
            Tensor h = torch.cat(new org.bytedeco.pytorch.TensorVector(raw, shift), 1);
            Tensor y = Coupling.AFFINE.combine(x, h);
            Tensor scale = Coupling.AFFINE.gradientThroughCombine(torch.ones(new long[] {2, 3, 2, 2}, F64), h);
            assertTrue(y.sub(x.mul(scale).add(shift)).abs().max().item_double() == 0, "y = x * scale + shift");
            assertTrue(scale.min().item_double() >= 0.5 && scale.max().item_double() <= 1.0, "scale must stay in [1/2, 1]");
            Tensor expected = torch.sigmoid(raw.add(new Scalar(2.0))).mul(new Scalar(0.5)).add(new Scalar(0.5));
            assertTrue(scale.sub(expected).abs().max().item_double() == 0);
            assertTrue(Coupling.AFFINE.uncombine(y, h).sub(x).abs().max().item_double() < 1e-14);
            assertEquals(6, Coupling.AFFINE.functionChannels(3));
            assertEquals(3, Coupling.ADDITIVE.functionChannels(3));
        }
    }

    @Test
    void aNonFiniteAffineInverseIsAJavaExceptionNotNaNGradients() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor h = torch.zeros(new long[] {1, 2, 1, 1}, F64);
            Tensor y = torch.ones(new long[] {1, 1, 1, 1}, F64).mul(new Scalar(Double.NaN));
            NumericalFailure e = assertThrows(NumericalFailure.class, () -> Coupling.AFFINE.uncombine(y, h));
            assertTrue(e.getMessage().contains("affine coupling's inverse is not finite"), e.getMessage());
        }
    }

    @Test
    void couplingsAreNamedOnTheCommandLine() {
        assertSame(Coupling.AFFINE, Coupling.parse("affine"));
        assertSame(Coupling.ADDITIVE, Coupling.parse(" ADDITIVE "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Coupling.parse("multiplicative"));
        assertTrue(e.getMessage().contains("'multiplicative'"), e.getMessage());
    }

    @Test
    void anAffineBlockNeedsFunctionsThatOutputScaleAndShift() {
        try (NativeScope scope = NativeScope.open()) {
            ReversibleBlock wrong = new ReversibleBlock(new ResidualFunction(FunctionOptions.of(2, 2)), new ResidualFunction(FunctionOptions.of(2, 2)),
                    Coupling.AFFINE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.outputShape(new long[] {1, 4, 3, 3}));
            assertTrue(e.getMessage().contains("2 channels to 4") && e.getMessage().contains("affine"), e.getMessage());
            assertEquals(4, ReversibleBlock.of(4, FunctionOptions.of(1, 1), Coupling.AFFINE).outputShape(new long[] {1, 4, 3, 3})[1]);
        }
    }

    @Test
    void affineStacksInvertAndTheirReversibleAndCheckpointGradientsMatchStored() {
        for (double dropout : new double[] {0, 0.3}) {
            try (NativeScope scope = NativeScope.open()) {
                Torch.seed(31);
                ReversibleStack s = ReversibleStack.of(4, 6, FunctionOptions.of(1, 1).dropout(dropout), Coupling.AFFINE);
                s.module().to(torch.ScalarType.Double, false);
                Tensor x = torch.randn(new long[] {3, 6, 4, 4}, F64);
                assertTrue(s.reconstructionError(x) < 1e-12, "affine reconstruction error " + s.reconstructionError(x));
                Tensor y = Grad.off(() -> s.forward(x));
                assertTrue(y.sub(x).abs().max().item_double() > 1e-2, "the stack must transform its input");
                Tensor w = torch.randn(new long[] {3, 6, 4, 4}, F64);
                Tensor[] stored = StackGradients.of(s, x, w, Mode.STORED, true, 77);
                for (Mode mode : new Mode[] {Mode.REVERSIBLE, Mode.CHECKPOINT}) {
                    Tensor[] other = StackGradients.of(s, x, w, mode, true, 77);
                    for (int i = 0; i < stored.length; i++) {
                        double err = GradientCheck.relativeError(other[i], stored[i]);
                        assertTrue(err < 1e-10, mode + " dropout " + dropout + " tensor " + i + " relative error " + err);
                    }
                }
            }
        }
    }

    @Test
    void anAffineRevNetPassesTheGradientCheckWithAndWithoutDropout() {
        for (double dropout : new double[] {0, 0.25}) {
            try (Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).coupling(Coupling.AFFINE).dropout(dropout)
                    .seed(4)); NativeScope scope = NativeScope.open()) {
                var r = GradientCheck.run(model, model.randomInput(2, 8), model.randomLabels(2));
                assertTrue(r.maxRelativeGradError() <= 1e-10, "dropout " + dropout + ": " + r.maxRelativeGradError());
                assertTrue(r.inverseMaxAbsError() <= 1e-10, "dropout " + dropout + ": inverse " + r.inverseMaxAbsError());
            }
        }
    }


    @Test
    void theDeclaredConditioningIsTheSquareOfTheMeasuredAmplificationOfOneUncombine() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor y = torch.randn(new long[] {1, 4, 3, 3}, F64);
            Tensor delta = torch.randn(new long[] {1, 4, 3, 3}, F64).mul(new Scalar(1e-6));
            for (Coupling c : new Coupling[] {Coupling.ADDITIVE, Coupling.AFFINE}) {
                // The raw scale at -1000 drives s to its floor of 1/2: the largest amplification the coupling allows.
                Tensor h = c == Coupling.AFFINE
                        ? torch.cat(new org.bytedeco.pytorch.TensorVector(torch.full(new long[] {1, 4, 3, 3}, new Scalar(-1000.0), F64),
                                torch.randn(new long[] {1, 4, 3, 3}, F64)), 1)
                        : torch.randn(new long[] {1, 4, 3, 3}, F64);
                double amplification = c.uncombine(y.add(delta), h).sub(c.uncombine(y, h)).norm().item_double() / delta.norm().item_double();
                double perHalfStep = Math.sqrt(c.inverseConditioning());
                assertTrue(amplification <= perHalfStep * (1 + 1e-6) && amplification >= perHalfStep * (1 - 1e-6),
                        c + ": measured amplification " + amplification + ", declared per half-step " + perHalfStep);
                assertEquals(c.label(), c.toString());
            }
        }
    }

    @Test
    void anAffineFunctionOutputOfTheHalfsOwnShapeIsRejectedByName() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(2, 3, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Coupling.AFFINE.combine(x, torch.randn(2, 3, 4)));
            assertTrue(e.getMessage().contains("must output twice the features"), e.getMessage());
        }
    }
}
