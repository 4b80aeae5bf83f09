package io.github.revnet.core.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.kernels.KernelDType;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.Trainer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Revnet-38's 56-channel halves under bfloat16: once refused, since on one AVX-512 CPU oneDNN's bfloat16 convolution read
 * padding it never wrote and the model trained into NaN by its fourth step. Its convolutions now run on routes the kernel
 * audit found right in bfloat16 on this CPU (freed memory poisoned with NaN first), so it trains.
 */
class ConvBfloat16Test {
    @Test
    void revnet38TrainsUnderBothBfloat16PoliciesOnAuditedKernels() {
        for (Precision p : new Precision[] {Precision.BF16, Precision.BF16_PURE}) {
            try (Model m = Model.create("revnet-38", ModelOptions.defaults().precision(p).seed(3));
                    Trainer trainer = new Trainer(m, Trainer.Options.defaults().learningRate(0.05));
                    NativeScope scope = NativeScope.open()) {
                Torch.seed(4);
                Tensor x = m.randomInput(8, 32);
                Tensor labels = m.randomLabels(8);
                for (int step = 0; step < 6; step++) {
                    double loss = trainer.step(x, labels, step % 2 == 0 ? Mode.STORED : Mode.REVERSIBLE);
                    assertTrue(Double.isFinite(loss), p + ": loss " + loss + " at step " + step);
                }
            }
            assertTrue(KernelRouting.decisions().stream().anyMatch(d -> d.dtype() == KernelDType.BFLOAT16 && d.kernel().contains("56->56")),
                    "the 56-channel bfloat16 convolution was audited");
            assertTrue(KernelRouting.decisions().stream().allMatch(KernelRouting.Decision::right));
        }
    }

    @Test
    void modelsOverMultiplesOf16ChannelsAreBuilt() {
        for (String name : new String[] {"revnet-110", "revnet-164", "revvit-tiny", "stack-4"}) {
            try (Model m = Model.create(name, ModelOptions.defaults().precision(Precision.BF16))) {
                assertTrue(m.parameterCount() > 0, name);
            }
        }
    }
}
