package io.github.revnet.core.layers;

import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LibTorch 2.10's oneDNN bfloat16 3x3 convolution over 56 channels reads padding it never wrote: revnet-38 under bf16
 * trained into NaN. A bfloat16 policy refuses a model whose reversible blocks convolve over other than multiples of 16.
 */
class ConvBfloat16Test {
    @Test
    void revnet38IsRefusedUnderBfloat16NamingItsConvolution() {
        for (Precision p : new Precision[] {Precision.BF16, Precision.BF16_PURE}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Model.create("revnet-38", ModelOptions.defaults().precision(p)));
            assertTrue(e.getMessage().contains("from 56 to 56 channels") && e.getMessage().contains("precision " + p.label()), e.getMessage());
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
