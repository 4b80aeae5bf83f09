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

    @Test
    void channelsLastComputesWhatTheContiguousLayoutComputes() {
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().seed(4)); NativeScope scope = NativeScope.open()) {
            Torch.seed(5);
            Tensor x = model.randomInput(4, 32);
            model.network().train(false);
            Tensor channelsLast = Grad.off(() -> model.forward(x, Mode.STORED));
            for (Tensor p : model.network().parameters()) {
                if (p.dim() == 4) {
                    p.set_data(p.contiguous());
                }
            }
            Tensor contiguous = Grad.off(() -> model.network().forward(x, Mode.STORED, null));
            double difference = channelsLast.sub(contiguous).abs().max().item_double();
            double scale = contiguous.abs().max().item_double();
            assertTrue(difference <= 1e-5 * scale, "logits differ by " + difference + " at scale " + scale);
            assertEquals(4, channelsLast.size(0));
        }
    }
}
