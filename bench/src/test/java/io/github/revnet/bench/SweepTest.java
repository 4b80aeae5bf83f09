package io.github.revnet.bench;

import io.github.revnet.core.Precision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepTest {
    @Test
    void underFp32TheSweepIsUnchanged() {
        Sweep quick = Sweep.quick();
        assertSame(quick, quick.under(Precision.FP32, c -> "never asked", (c, why) -> { throw new AssertionError(c + " left out"); }));
        assertEquals(Precision.FP32, quick.precision());
    }

    @Test
    void underBf16ModelsWithoutReversibleStacksAndRefusedModelsAreLeftOutAndNamed() {
        Sweep quick = Sweep.quick();
        List<String> left = new ArrayList<>();
        Sweep bf16 = quick.under(Precision.BF16, c -> c.model().equals("revnet-38") ? "56 channels" : null,
                (c, why) -> left.add(c.model() + ": " + why));
        assertEquals(Precision.BF16, bf16.precision());
        assertEquals(List.of("revnet-38: 56 channels", "resnet-32: no reversible stacks, nothing for the policy to change"), left);
        assertEquals(quick.configs().size() - 2, bf16.configs().size());
        assertTrue(bf16.configs().stream().noneMatch(c -> c.model().equals("revnet-38") || c.model().startsWith("resnet")));
        assertNull(bf16.front(), "the memory-budget front is measured under fp32 only");
        assertEquals(quick.driftDepths(), bf16.driftDepths());
    }
}
