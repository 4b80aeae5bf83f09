package io.github.revnet.bridge;

import java.util.function.Supplier;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutocastTest {
    private static double relativeDifference(Tensor a, Tensor b) {
        return a.sub(b).norm().item_double() / b.norm().item_double();
    }

    @Test
    void enteringRunsEligibleOpsInBfloat16AndRestoresTheCallersState() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(4, 8);
            Tensor w = torch.randn(8, 3);
            Tensor y = Autocast.BFLOAT16.enter((Supplier<Tensor>) () -> {
                assertEquals(Autocast.BFLOAT16, Autocast.current());
                return torch.mm(x, w);
            });
            assertEquals(torch.ScalarType.BFloat16.value, y.scalar_type().value, "a matrix product under autocast runs in bfloat16");
            assertEquals(Autocast.OFF, Autocast.current());
            Tensor inner = Autocast.BFLOAT16.enter((Supplier<Tensor>) () -> Autocast.OFF.enter((Supplier<Tensor>) () -> torch.mm(x, w)));
            assertEquals(torch.ScalarType.Float.value, inner.scalar_type().value, "entering OFF inside switches autocast off");
        }
    }

    @Test
    void leavingClearsTheCacheOfBfloat16WeightCopiesSoAnUpdatedWeightIsSeen() {
        try (NativeScope scope = NativeScope.open()) {
            Tensor x = torch.randn(4, 8);
            Tensor w = torch.randn(8, 3);
            w.requires_grad_(true); // autocast caches the lower-precision copies of leaves that require grad: weights
            Supplier<Tensor> product = () -> torch.mm(x, w);
            Tensor before = Autocast.BFLOAT16.enter(product);
            Grad.off(() -> w.mul_(new Scalar(2.0)));
            Tensor after = Autocast.BFLOAT16.enter(product);
            assertTrue(relativeDifference(after, before.mul(new Scalar(2.0))) < 1e-2, "the doubled weight is used");

            // Negative control: autocast switched on without leaving a region never clears the cache, and the product
            // keeps computing with the weight as it was (what a stale copy after an optimizer step looks like).
            torch.set_autocast_enabled(torch.DeviceType.CPU, true);
            try {
                Tensor first = torch.mm(x, w);
                Grad.off(() -> w.mul_(new Scalar(2.0)));
                Tensor stale = torch.mm(x, w);
                assertFalse(relativeDifference(stale, first.mul(new Scalar(2.0))) < 1e-2, "without clearing, the copy is stale");
                assertEquals(0.0, relativeDifference(stale, first), "the stale copy gives the old product exactly");
            } finally {
                torch.set_autocast_enabled(torch.DeviceType.CPU, false);
                torch.clear_cache();
            }
        }
    }
}
