package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reversible transformer family: models, modes, bad input. The gate fuzzes the blocks; these pin the zoo models. */
class TransformerTest {
    private static void rejects(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @ParameterizedTest(name = "revvit-tiny float64, {0} coupling, dropout {1}")
    @CsvSource({"additive, 0.0", "additive, 0.2", "affine, 0.0", "affine, 0.2"})
    void revvitTinyReversibleGradientsEqualStoredGradientsInFloat64(String coupling, double dropout) {
        try (Model model = Model.create("revvit-tiny", ModelOptions.defaults().inputChannels(1).dtype(DType.FLOAT64).seed(3)
                .coupling(Coupling.parse(coupling)).dropout(dropout)); NativeScope scope = NativeScope.open()) {
            Torch.seed(4);
            var r = GradientCheck.run(model, model.randomInput(2, 32), model.randomLabels(2));
            assertTrue(r.inverseMaxAbsError() <= 1e-10, "inverse error " + r.inverseMaxAbsError());
            assertTrue(r.maxRelativeGradError() <= 1e-10, "gradient error " + r.maxRelativeGradError());
            assertEquals(model.namedParameters().size(), r.parameters().size(), "every parameter must be compared");
        }
    }

    @Test
    void dropoutInsideTheBlocksChangesTheOutputSoItsReplayIsTested() {
        try (Model model = Model.create("revvit-tiny", ModelOptions.defaults().inputChannels(1).dtype(DType.FLOAT64).dropout(0.2));
                NativeScope scope = NativeScope.open()) {
            Tensor x = model.randomInput(2, 32);
            model.reseed(1);
            double a = model.forward(x, Mode.STORED).sum().item_double();
            model.reseed(2);
            double b = model.forward(x, Mode.STORED).sum().item_double();
            model.reseed(1);
            double c = model.forward(x, Mode.REVERSIBLE).sum().item_double();
            assertTrue(a != b, "different masks must give different logits");
            assertEquals(a, c, 1e-12, "the same seed must give the same masks in both modes");
        }
    }

    @Test
    void theReferenceVitHasTheSameParametersAsTheRevvit() {
        try (Model rev = Model.create("revvit-tiny", ModelOptions.defaults()); Model vit = Model.create("vit-tiny", ModelOptions.defaults())) {
            assertEquals(vit.parameterCount(), rev.parameterCount());
            assertTrue(rev.spec().reversible() && !vit.spec().reversible());
        }
    }

    @Test
    void aTokenStackKeepsItsShapeInEveryModeAndInvertsExactly() {
        try (NativeScope scope = NativeScope.open()) {
            ReversibleStack stack = ReversibleStack.transformer(3, TransformerOptions.of(8).heads(2).causal(true), Coupling.AFFINE);
            stack.module().to(DType.FLOAT64.scalarType(), false);
            Tensor x = torch.randn(new long[] {2, 5, 16}, new TensorOptions(DType.FLOAT64.scalarType()));
            for (Mode mode : Mode.values()) {
                assertArrayEquals(new long[] {2, 5, 16}, Shapes.of(stack.forward(x, mode)));
            }
            assertTrue(stack.reconstructionError(x) < 1e-12, "reconstruction error " + stack.reconstructionError(x));
        }
    }

    @Test
    void badTransformerInputIsRejectedBeforeAnyNativeCall() {
        rejects("width 10 is not divisible by 4 heads", () -> TransformerOptions.of(10).heads(4));
        rejects("divisible by 4 heads", () -> new SelfAttention(TransformerOptions.of(6)));
        rejects("attention heads must be >= 1, got 0", () -> TransformerOptions.of(8).heads(0));
        rejects("dropout must be in [0, 1), got 1.5", () -> TransformerOptions.of(8).dropout(1.5));
        ReversibleStack stack = ReversibleStack.transformer(1, TransformerOptions.of(8).heads(2), Coupling.ADDITIVE);
        rejects("rank 3 (batch, tokens, features)", () -> stack.outputShape(new long[] {2, 16}));
        rejects("empty dimension", () -> stack.outputShape(new long[] {2, 0, 16}));
        rejects("features count must be even", () -> stack.outputShape(new long[] {2, 4, 15}));
        rejects("expects 8 features per token, got 6", () -> stack.outputShape(new long[] {2, 4, 12}));
        try (Model model = Model.create("revvit-tiny", ModelOptions.defaults().inputChannels(1)); NativeScope scope = NativeScope.open()) {
            rejects("expects 32x32 images", () -> model.forward(model.randomInput(2, 28), Mode.REVERSIBLE));
            rejects("rank 4", () -> model.forward(torch.randn(2, 32, 32), Mode.REVERSIBLE));
            rejects("expects 1 input channels, got 3", () -> model.forward(torch.randn(2, 3, 32, 32), Mode.STORED));
        }
        rejects("all blocks of a stack must split the same way", () -> new ReversibleStack(java.util.List.of(
                ReversibleBlock.of(8, FunctionOptions.of(1, 1)), ReversibleBlock.transformer(TransformerOptions.of(4).heads(2), Coupling.ADDITIVE))));
    }
}
