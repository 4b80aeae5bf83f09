package io.github.revnet.core.training;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @Test
    void aTrainingStepGivesTheSameWeightsInBothModesAndLowersTheLoss() {
        Map<String, Tensor> after = null;
        double[][] losses = new double[2][];
        Mode[] modes = {Mode.STORED, Mode.REVERSIBLE};
        try (NativeScope scope = NativeScope.open()) {
            for (int m = 0; m < 2; m++) {
                Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(4));
                Trainer trainer = new Trainer(model, Trainer.Options.defaults().learningRate(0.05));
                Torch.seed(8);
                Tensor x = model.randomInput(4, 16);
                Tensor y = model.randomLabels(4);
                losses[m] = new double[4];
                for (int step = 0; step < 4; step++) {
                    losses[m][step] = trainer.step(x, y, modes[m]);
                }
                if (after == null) {
                    after = clone(model.namedParameters());
                } else {
                    for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                        double err = GradientCheck.relativeError(e.getValue(), after.get(e.getKey()));
                        assertTrue(err < 1e-10, e.getKey() + " differs after 4 steps: " + err);
                    }
                }
            }
        }
        assertTrue(losses[0][3] < losses[0][0], "loss must fall on a fixed batch: " + java.util.Arrays.toString(losses[0]));
        for (int step = 0; step < 4; step++) {
            assertTrue(Math.abs(losses[0][step] - losses[1][step]) < 1e-10, "losses differ at step " + step);
        }
    }

    @Test
    void aLearningRateSetBetweenStepsIsTheOneTheOptimizerUses() {
        try (NativeScope scope = NativeScope.open()) {
            Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(4));
            Trainer trainer = new Trainer(model, Trainer.Options.defaults().learningRate(0.05));
            Torch.seed(8);
            Tensor x = model.randomInput(4, 16);
            Tensor y = model.randomLabels(4);
            trainer.learningRate(0);
            assertEquals(0, trainer.learningRate());
            Map<String, Tensor> before = clone(model.namedParameters());
            trainer.step(x, y, Mode.REVERSIBLE);
            model.namedParameters().forEach((name, p) -> assertTrue(p.equal(before.get(name)), name + " moved at learning rate 0"));
            trainer.learningRate(0.05);
            trainer.step(x, y, Mode.REVERSIBLE);
            assertTrue(model.namedParameters().entrySet().stream().anyMatch(e -> !e.getValue().equal(before.get(e.getKey()))),
                    "no weight moved at learning rate 0.05");
            assertThrows(IllegalArgumentException.class, () -> trainer.learningRate(Double.NaN));
        }
    }

    private static Map<String, Tensor> clone(Map<String, Tensor> in) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, v.detach().clone()));
        return out;
    }
}
