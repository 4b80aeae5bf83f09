package io.github.revnet.core.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ChannelsLastTest {
    @Test
    void onlyTheModelsMeasuredFasterInFloat32RunChannelsLast() {
        try (Model fast = Model.create("revnet-38", ModelOptions.defaults());
                Model wide = Model.create("revnet-110", ModelOptions.defaults());
                Model exact = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64))) {
            assertTrue(fast.channelsLast());
            assertTrue(fast.network().parameters().stream().filter(p -> p.dim() == 4)
                    .allMatch(p -> p.is_contiguous(torch.MemoryFormat.ChannelsLast)), "every convolution weight channels-last");
            assertFalse(wide.channelsLast(), "revnet-110 ran 10 % slower channels-last");
            assertFalse(exact.channelsLast(), "float64 was not measured, and the gate compares it bit for bit");
        }
    }

    /**
     * Each layout against float64, never one fast path against the other: two oneDNN paths can share a defect, and which
     * one is wrong depends on the CPU (EPYC family 26: contiguous 4.7e-2 off, channels-last 1.7e-7). A correct float32
     * forward of revnet-38's 38 layers stays within a few roundings per layer (4 · 38 · eps32 = 1.8e-5 relative).
     */
    @Test
    void bothLayoutsComputeWhatFloat64Computes() {
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().seed(4));
                Model exact = Model.create("revnet-38", ModelOptions.defaults().seed(4).dtype(DType.FLOAT64));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(5);
            Tensor x = model.randomInput(4, 32);
            model.network().train(false);
            exact.network().train(false);
            Tensor reference = Grad.off(() -> exact.forward(x.to(torch.ScalarType.Double), Mode.STORED));
            double scale = reference.abs().max().item_double();
            double tolerance = 4 * 38 * DType.FLOAT32.epsilon();
            Tensor channelsLast = Grad.off(() -> model.forward(x, Mode.STORED));
            double channelsLastError = channelsLast.to(torch.ScalarType.Double).sub(reference).abs().max().item_double() / scale;
            for (Tensor p : model.network().parameters()) {
                if (p.dim() == 4) {
                    p.set_data(p.contiguous());
                }
            }
            Tensor contiguous = Grad.off(() -> model.network().forward(x, Mode.STORED, null));
            double contiguousError = contiguous.to(torch.ScalarType.Double).sub(reference).abs().max().item_double() / scale;
            assertTrue(channelsLastError <= tolerance, "channels-last logits off float64 by " + channelsLastError + " (relative)");
            assertTrue(contiguousError <= tolerance, "contiguous logits off float64 by " + contiguousError + " (relative)");
            assertEquals(4, channelsLast.size(0));
        }
    }
}
