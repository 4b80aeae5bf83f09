package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.Trainer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientAgreementTest {
    @Test
    void revnet38ReversibleGradientsEqualStoredGradientsInFloat64() {
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(1));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(2);
            var r = GradientCheck.run(model, model.randomInput(2, 32), model.randomLabels(2));
            assertTrue(r.inverseMaxAbsError() <= 1e-10, "inverse error " + r.inverseMaxAbsError());
            assertTrue(r.maxRelativeGradError() <= 1e-10, "gradient error " + r.maxRelativeGradError());
            assertTrue(r.parameters().size() == model.namedParameters().size(), "every parameter must be compared");
        }
    }

    @Test
    void aReversibleGradientOffByOnePartInAHundredMillionInOneTensorExceedsTheTolerance() {
        // Negative control on the same pair of passes: the reversible gradients as computed agree within 1e-10, and the same
        // gradients with one tensor scaled by 1 + 1e-8 read as that fault, two orders above the tolerance.
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(1));
                Trainer trainer = new Trainer(model, Trainer.Options.defaults());
                NativeScope scope = NativeScope.open()) {
            var input = model.randomInput(2, 16);
            var labels = model.randomLabels(2);
            java.util.List<Tensor> parameters = new java.util.ArrayList<>(model.namedParameters().values());
            trainer.gradients(input, labels, Mode.STORED);
            java.util.List<Tensor> stored = parameters.stream().map(p -> p.grad().clone()).toList();
            trainer.gradients(input, labels, Mode.REVERSIBLE);
            int faulty = parameters.size() / 2;
            for (int i = 0; i < parameters.size(); i++) {
                double err = GradientCheck.relativeError(parameters.get(i).grad(), stored.get(i));
                assertTrue(err <= 1e-10, "tensor " + i + " differs by " + err + " before any fault");
            }
            Tensor planted = Grad.off(() -> parameters.get(faulty).grad().mul(new Scalar(1.0 + 1e-8)));
            double err = GradientCheck.relativeError(planted, stored.get(faulty));
            assertTrue(err > 0.9e-8 && err < 1.1e-8, "a 1e-8 fault must read as 1e-8, read " + err);
        }
    }
}
