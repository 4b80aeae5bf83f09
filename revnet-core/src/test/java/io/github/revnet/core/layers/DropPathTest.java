package io.github.revnet.core.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import org.junit.jupiter.api.Test;

/** Drop-path in the RevViTs: replayed exactly by the reversible backward, and really drawn. */
class DropPathTest {
    private static GradientCheck.Result check(double dropPath) {
        try (Model m = Model.create("revvit-tiny", ModelOptions.defaults().dtype(DType.FLOAT64).seed(2).dropPath(dropPath));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(3);
            return GradientCheck.run(m, m.randomInput(4, 32), m.randomLabels(4));
        }
    }

    @Test
    void reversibleGradientsEqualStoredOnesUnderDropPath() {
        GradientCheck.Result dropped = check(0.3);
        assertTrue(dropped.maxRelativeGradError() <= 1e-10, "max relative gradient error " + dropped.maxRelativeGradError());
        assertTrue(dropped.inverseMaxAbsError() <= 1e-10, "inverse error " + dropped.inverseMaxAbsError());
        GradientCheck.Result plain = check(0);
        assertTrue(Math.abs(dropped.storedLoss() - plain.storedLoss()) > 1e-6,
                "drop-path 0.3 left the loss at " + dropped.storedLoss() + " against " + plain.storedLoss() + ": no path was dropped");
    }

    @Test
    void aRevNetIsRefusedDropPathByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Model.create("revnet-38", ModelOptions.defaults().dropPath(0.1)));
        assertTrue(e.getMessage().contains("revnet-38") && e.getMessage().contains("drop-path"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.defaults().dropPath(1.0));
    }
}
