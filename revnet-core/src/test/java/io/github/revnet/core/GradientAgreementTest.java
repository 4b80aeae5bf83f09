package io.github.revnet.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

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
    void theToleranceIsTightEnoughToCatchASlightlyWrongGradient() {
        // Negative control: gradients taken at weights perturbed by one part in a million must
        // exceed the 1e-10 tolerance, or the check above could not fail.
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64).seed(1));
                Trainer trainer = new Trainer(model, Trainer.Options.defaults());
                NativeScope scope = NativeScope.open()) {
            var input = model.randomInput(2, 16);
            var labels = model.randomLabels(2);
            Tensor w = model.namedParameters().values().iterator().next();
            trainer.gradients(input, labels, Mode.STORED);
            Tensor reference = w.grad().clone();
            Grad.off(() -> w.mul_(new Scalar(1.0 + 1e-6)));
            trainer.gradients(input, labels, Mode.REVERSIBLE);
            double err = GradientCheck.relativeError(w.grad(), reference);
            assertTrue(err > 1e-10, "a 1e-6 weight perturbation must exceed the 1e-10 tolerance, got " + err);
        }
    }
}
