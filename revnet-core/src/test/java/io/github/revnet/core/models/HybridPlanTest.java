package io.github.revnet.core.models;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HybridPlanTest {
    /** Parameter gradients of one forward/backward of revnet-38 (float64) under {@code plan}. */
    private static Map<String, Tensor> gradients(Plan plan) {
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(5))) {
            Torch.seed(6);
            Tensor x = model.randomInput(2, 16);
            Tensor y = model.randomLabels(2);
            model.loss(model.forward(x, plan), y).backward();
            Map<String, Tensor> grads = new HashMap<>();
            for (var e : model.namedParameters().entrySet()) {
                grads.put(e.getKey(), e.getValue().grad().clone());
            }
            return grads;
        }
    }

    @Test
    void aMixedPlanGivesTheGradientsOfStoredMode() {
        try (NativeScope scope = NativeScope.open()) {
            Map<String, Tensor> stored = gradients(Plan.parse("stored,stored,stored"));
            Map<String, Tensor> mixed = gradients(Plan.parse("reversible,stored,checkpoint"));
            assertEquals(stored.keySet(), mixed.keySet());
            for (String name : stored.keySet()) {
                double err = GradientCheck.relativeError(mixed.get(name), stored.get(name));
                assertTrue(err < 1e-10, name + ": relative error " + err);
            }
        }
    }

    @Test
    void plansAreEnumeratedParsedAndCheckedAgainstTheModel() {
        assertEquals(27, Plan.all(3).size());
        assertEquals(27, Plan.all(3).stream().distinct().count());
        assertEquals(List.of(Mode.REVERSIBLE, Mode.STORED), Plan.parse(" reversible , stored").stackModes());
        assertEquals("checkpoint,reversible", Plan.parse("checkpoint,reversible").label());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Plan.parse("reversible,sideways")).getMessage().contains("sideways"));
        try (Model model = Model.create("revnet-38", ModelOptions.defaults())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.validatePlan(Plan.parse("reversible")));
            assertTrue(e.getMessage().contains("3 reversible stack"), e.getMessage());
        }
    }
}
