package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReversibleBlockTest {
    private static Tensor randn(long... shape) {
        return torch.randn(shape, new TensorOptions(torch.ScalarType.Double));
    }

    private static ReversibleStack stack(int blocks, int channels, FunctionOptions template) {
        ReversibleStack s = ReversibleStack.of(blocks, channels, template);
        s.module().to(torch.ScalarType.Double, false);
        return s;
    }

    @Test
    void inverseReconstructsTheInputExactlyInFloat64() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(11);
            ReversibleStack s = stack(3, 8, FunctionOptions.of(1, 1));
            Tensor x = randn(2, 8, 5, 7);
            double error = s.reconstructionError(x);
            assertTrue(error < 1e-12, "reconstruction error " + error);
            Tensor y = Grad.off(() -> s.forward(x));
            assertTrue(y.sub(x).abs().max().item_double() > 1e-3, "the stack must actually transform its input");
        }
    }

    @Test
    void stackGradientsMatchPlainAutogradIncludingDropoutAndInputsWithoutGradient() {
        for (boolean dropout : new boolean[] {false, true}) {
            for (boolean inputGrad : new boolean[] {true, false}) {
                try (NativeScope scope = NativeScope.open()) {
                    Torch.seed(5);
                    ReversibleStack s = stack(3, 6, FunctionOptions.of(1, 1).dropout(dropout ? 0.3 : 0));
                    Tensor x = randn(3, 6, 4, 4);
                    Tensor w = randn(3, 6, 4, 4);
                    var stored = StackGradients.of(s, x, w, Mode.STORED, inputGrad, 99);
                    for (Mode mode : new Mode[] {Mode.REVERSIBLE, Mode.CHECKPOINT}) {
                        var other = StackGradients.of(s, x, w, mode, inputGrad, 99);
                        for (int i = 0; i < stored.length; i++) {
                            double err = GradientCheck.relativeError(other[i], stored[i]);
                            assertTrue(err < 1e-10, mode + " dropout=" + dropout + " inputGrad=" + inputGrad + " tensor " + i + " error " + err);
                        }
                    }
                }
            }
        }
    }


    @Test
    void runningStatisticsAreUpdatedOnceInBothModes() {
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(3));
                NativeScope scope = NativeScope.open()) {
            var result = GradientCheck.run(model, model.randomInput(2, 16), model.randomLabels(2));
            assertEquals(0.0, result.runningStatsMaxAbsDiff(), 1e-12, "running statistics differ between modes");
            // num_batches_tracked is a buffer too: exactly one update per mode.
            long counter = model.network().namedBuffers().entrySet().stream().filter(e -> e.getKey().endsWith("num_batches_tracked"))
                    .findFirst().orElseThrow().getValue().item_long();
            assertEquals(1, counter);
        }
    }

    @Test
    void aTransformerBlockSplitsTokenFeaturesAndItsAffineFunctionsOutputScaleAndShift() {
        try (NativeScope scope = NativeScope.open()) {
            ReversibleBlock additive = ReversibleBlock.transformer(TransformerOptions.of(8).heads(2), Coupling.ADDITIVE);
            assertEquals(StreamLayout.TOKENS, additive.layout());
            assertEquals(java.util.List.of(2L, 5L, 16L), java.util.Arrays.stream(additive.outputShape(new long[] {2, 5, 16})).boxed().toList());
            ReversibleBlock affine = ReversibleBlock.transformer(TransformerOptions.of(8).heads(2), Coupling.AFFINE);
            assertEquals(java.util.List.of(2L, 5L, 16L), java.util.Arrays.stream(affine.f().outputShape(new long[] {2, 5, 8})).boxed().toList());
            Tensor x = torch.randn(2, 5, 16);
            assertTrue(affine.inverse(affine.forward(x)).sub(x).abs().max().item_double() < 1e-5);
        }
    }
}
