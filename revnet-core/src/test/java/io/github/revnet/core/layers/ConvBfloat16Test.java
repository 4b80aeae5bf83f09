package io.github.revnet.core.layers;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.Trainer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * oneDNN's bfloat16 3x3 convolution over a channel count that is not a multiple of 16 reads padding it never wrote, so
 * Conv hands it channels-last input. revnet-38's last stage has 56-channel halves: without the workaround its logits were
 * NaN from the first bfloat16 forward on (4 of 4 runs, at batches 2 and 16, 28x28 and 32x32).
 */
class ConvBfloat16Test {
    @Test
    void revnet38UnderBf16GivesFiniteLogitsThroughTrainingSteps() {
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().inputChannels(1).precision(Precision.BF16));
                Trainer trainer = new Trainer(model, Trainer.Options.defaults()); NativeScope scope = NativeScope.open()) {
            Torch.seed(1);
            Tensor x = model.randomInput(16, 28);
            Tensor labels = model.randomLabels(16);
            for (int step = 0; step < 3; step++) {
                Tensor logits = Grad.off(() -> model.forward(x, Mode.STORED));
                assertFalse(logits.isnan().any().item_bool(), "NaN logits before step " + step);
                trainer.step(x, labels, step % 2 == 0 ? Mode.STORED : Mode.REVERSIBLE);
            }
        }
    }
}
