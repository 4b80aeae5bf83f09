package io.github.revnet.core.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.layers.Conv;
import io.github.revnet.core.layers.FeedForward;
import io.github.revnet.core.layers.SelfAttention;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.ModelSpec;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class FlopCountTest {
    private static long counted(Runnable work) {
        return FlopCount.of(work).orElseThrow();
    }

    @Test
    void aConvolutionCostsTwoFlopsPerMultiplyAddOfEveryOutput() {
        Conv conv = new Conv(3, 8, 3, 2);
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(2, 3, 16, 16);
            // stride 2, padding 1: 8x8 outputs, each 3 * 3 * 3 multiply-adds
            assertEquals(2L * 2 * 8 * 8 * 8 * (3 * 3 * 3), counted(() -> Grad.off(() -> conv.forward(x))));
        }
    }

    @Test
    void attentionAndItsMlpCountTheirProjectionsAndBothProductsOverTheTokens() {
        long b = 2;
        long t = 16;
        long d = 32;
        TransformerOptions options = TransformerOptions.of((int) d).heads(4).mlpRatio(2);
        SelfAttention attention = new SelfAttention(options);
        FeedForward mlp = new FeedForward(options);
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(b, t, d);
            long projections = 2 * b * t * d * 3 * d + 2 * b * t * d * d; // q, k, v, then the output projection
            long products = 2 * b * t * t * d + 2 * b * t * t * d; // q·kᵀ, then the weights times v
            assertEquals(projections + products, counted(() -> Grad.off(() -> attention.forward(x))));
            assertEquals(2 * b * t * d * 2 * d * 2, counted(() -> Grad.off(() -> mlp.forward(x))));
        }
    }

    @Test
    void aStackCountsItsStemTheFunctionsOfEveryBlockAndItsClassifier() {
        int batch = 2;
        int side = 8;
        var options = ModelOptions.defaults().seed(1);
        long stem = 2L * batch * side * side * 32 * (3 * 9);
        long perBlock = 4 * 2L * batch * side * side * 16 * (16 * 9); // F and G: two 3x3 convolutions each on 16-channel halves
        long classifier = 2L * batch * 32 * 10;
        for (int blocks : new int[] {1, 3}) {
            try (Model model = Model.create(ModelSpec.synthetic(blocks, 32), options); NativeScope scope = NativeScope.open()) {
                Tensor x = model.randomInput(batch, side);
                assertEquals(stem + blocks * perBlock + classifier, FlopCount.forward(model, x).orElseThrow(), blocks + " blocks");
            }
        }
    }

    @Test
    void aLayerWhoseProductsJavaCannotSeeMakesTheCountEmpty() {
        assertTrue(FlopCount.of(() -> FlopCount.uncounted("f.pt")).isEmpty());
        assertEquals(0, counted(() -> { }));
    }

    @Test
    void countsDoNotNestAndNothingIsCountedOutsideThem() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FlopCount.of(() -> FlopCount.of(() -> { })));
        assertTrue(e.getMessage().contains("already counting"), e.getMessage());
        Conv conv = new Conv(1, 1, 1, 1);
        try (NativeScope scope = NativeScope.open()) {
            Grad.off(() -> conv.forward(torch.randn(1, 1, 2, 2)));
        }
        assertEquals(0, counted(() -> { }));
    }
}
