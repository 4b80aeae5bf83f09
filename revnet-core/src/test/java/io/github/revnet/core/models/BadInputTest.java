package io.github.revnet.core.models;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Device;
import io.github.revnet.core.Mode;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import io.github.revnet.core.training.Trainer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BadInputTest {
    private static Model model;

    @BeforeAll
    static void build() {
        model = Model.create("revnet-38", ModelOptions.defaults().checkFinite(true));
    }

    @AfterAll
    static void release() {
        model.close();
    }

    @Test
    void aCpuModelAcceptsACpuInputOnAMachineWhereCudaIsAvailable() {
        Torch.simulateCudaAvailable(true);
        try (NativeScope scope = NativeScope.open()) {
            Tensor logits = model.forward(model.randomInput(2, 16), Mode.STORED);
            assertEquals(2, logits.size(0));
        } finally {
            Torch.simulateCudaAvailable(null);
        }
    }

    @Test
    void aCudaModelIsRefusedWithTheReasonWhereThereIsNoCuda() {
        assumeFalse(Torch.cudaAvailable(), "this machine computes on CUDA");
        rejects("device cuda is not available here", () -> Model.create("revnet-38", ModelOptions.defaults().device(Device.CUDA)));
    }

    private static void rejects(String expectedFragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedFragment), "message '" + e.getMessage() + "' should mention '" + expectedFragment + "'");
    }

    @Test
    void oddChannelCountsCannotBeSplit() {
        rejects("even", () -> ReversibleBlock.of(7, FunctionOptions.of(1, 1)));
        rejects("even", () -> new RevTransition(5, 8, 2, FunctionOptions.of(1, 1)));
    }

    @Test
    void aReversibleBlockMustNotStride() {
        rejects("stride must be 1, got 2", () -> ReversibleBlock.of(8, FunctionOptions.of(1, 1).stride(2)));
    }

    @Test
    void shapeChangingFunctionsAreRejectedBeforeAnyComputation() {
        try (NativeScope scope = NativeScope.open()) {
            ReversibleBlock widening = new ReversibleBlock(new ResidualFunction(FunctionOptions.of(4, 6)),
                    new ResidualFunction(FunctionOptions.of(4, 4)));
            ReversibleBlock striding = new ReversibleBlock(new ResidualFunction(FunctionOptions.of(4, 4).stride(2)),
                    new ResidualFunction(FunctionOptions.of(4, 4)));
            Tensor x = torch.randn(2, 8, 4, 4);
            rejects("F must keep its input's shape", () -> widening.forward(x));
            rejects("F must keep its input's shape", () -> striding.forward(x));
            rejects("F must keep its input's shape", () -> new ReversibleStack(java.util.List.of(widening)).forward(x, Mode.REVERSIBLE));
        }
    }

    @Test
    void inputsOfTheWrongRankShapeOrDtypeAreRejected() {
        try (NativeScope scope = NativeScope.open()) {
            rejects("rank 4", () -> model.forward(torch.randn(3, 32, 32), Mode.REVERSIBLE));
            rejects("expects 3 input channels, got 1", () -> model.forward(torch.randn(2, 1, 32, 32), Mode.REVERSIBLE));
            rejects("dtype float64 does not match the model's float32",
                    () -> model.forward(torch.randn(new long[] {2, 3, 32, 32}, new TensorOptions(torch.ScalarType.Double)), Mode.STORED));
            rejects("dtype", () -> model.forward(torch.zeros(new long[] {2, 3, 32, 32}, new TensorOptions(torch.ScalarType.Int)),
                    Mode.STORED));
            rejects("null or undefined", () -> model.forward(null, Mode.REVERSIBLE));
        }
    }

    @Test
    void tinyAndOddSpatialSizesAreValidAndRunInBothModes() {
        // Regression: the transition shortcut once pooled 7 rows to 3 while F produced 4.
        try (NativeScope scope = NativeScope.open()) {
            rejects("more than one value per channel", () -> model.forward(torch.randn(1, 3, 1, 1), Mode.REVERSIBLE));
            for (long[] shape : new long[][] {{2, 3, 1, 1}, {1, 3, 8, 8}, {2, 3, 7, 5}}) {
                for (Mode mode : Mode.values()) {
                    Tensor x = torch.randn(shape);
                    Tensor logits = model.forward(x, mode);
                    assertTrue(logits.size(0) == shape[0] && logits.size(1) == 10);
                    model.loss(logits, torch.zeros(new long[] {shape[0]}, new TensorOptions(torch.ScalarType.Long))).backward();
                }
            }
        }
    }

    @Test
    void nonFiniteInputIsRejectedWhenCheckingIsOn() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(2, 3, 8, 8);
            x.select(0, 1).fill_(new Scalar(Double.NaN));
            rejects("non-finite", () -> model.forward(x, Mode.REVERSIBLE));
            Tensor y = torch.randn(2, 3, 8, 8).div(new Scalar(0.0));
            rejects("non-finite", () -> model.forward(y, Mode.STORED));
        }
    }

    @Test
    void resnetsHaveNoReversibleMode() {
        try (Model resnet = Model.create("resnet-32", ModelOptions.defaults()); NativeScope scope = NativeScope.open()) {
            rejects("no reversible blocks", () -> resnet.forward(torch.randn(2, 3, 32, 32), Mode.REVERSIBLE));
        }
    }

    @Test
    void labelsAreChecked() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor logits = torch.randn(2, 10);
            rejects("shape [2]", () -> model.loss(logits, torch.zeros(new long[] {3}, new TensorOptions(torch.ScalarType.Long))));
            rejects("[0, 10)", () -> model.loss(logits, torch.full(new long[] {2}, new Scalar(10), new TensorOptions(torch.ScalarType.Long))));
        }
    }

    @Test
    void badOptionsNameTheValue() {
        rejects("unknown model 'revnet-39'", () -> Model.create("revnet-39", ModelOptions.defaults()));
        rejects("dropout must be in [0, 1), got 1.5", () -> ModelOptions.defaults().dropout(1.5));
        rejects("kernel size must be odd", () -> FunctionOptions.of(4, 4).kernel(2));
        rejects("unknown dtype 'float16'", () -> DType.parse("float16"));
        rejects("learning rate", () -> new Trainer.Options(-1, 0.9, 0));
    }
}
