package io.github.revnet.properties;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.GradientCheck;
import io.github.revnet.core.Mode;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The gate's checks as plain functions, shared by the properties and by the negative controls
 * that prove each one can fail. Each throws AssertionError with the measured figures.
 */
final class Checks {
    private Checks() {
    }

    /** Max relative error over gradient tensors; infinite when one side lacks a gradient the other has. */
    static double worstGradientError(Harness.Pass a, Harness.Pass b) {
        double worst = 0;
        for (int i = 0; i < a.gradients().size(); i++) {
            worst = Math.max(worst, GradientCheck.relativeError(a.gradients().get(i), b.gradients().get(i)));
        }
        return worst;
    }

    /** Checks agreement and returns the worst relative error, for the statistics report. */
    static double gradientsAgree(Harness h, long rngSeed) {
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        double worst = worstGradientError(reversible, stored);
        double sensitivity = h.reconstructionSensitivity(rngSeed, stored);
        double tol = Tolerances.gradient(h.config.dtype(), h.config.blocks(), sensitivity);
        if (!(worst <= tol)) {
            throw new AssertionError("gradients differ: worst relative error " + worst + " > " + tol + " (first-order bound on stored"
                    + " mode's change under the measured reconstruction error: " + sensitivity + ") for " + h.config);
        }
        return worst;
    }

    /** The angle between the full gradient vectors of two passes; must stay under the angle that the gradient tolerance allows. */
    static double gradientAngleAgrees(Harness h, long rngSeed) {
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        double angle = GradientCheck.angleDegrees(reversible.gradients(), stored.gradients());
        double sensitivity = h.reconstructionSensitivity(rngSeed, stored);
        double bound = Math.toDegrees(Math.asin(Math.min(1, Tolerances.gradient(h.config.dtype(), h.config.blocks(), sensitivity))));
        if (!(angle <= bound)) {
            throw new AssertionError("gradient angle " + angle + " > " + bound + " degrees for " + h.config);
        }
        return angle;
    }

    static void runningStatsAgree(Harness h, long rngSeed) {
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        List<Tensor> a = stored.buffersAfter();
        List<Tensor> b = reversible.buffersAfter();
        for (int i = 0; i < a.size(); i++) {
            double diff = GradientCheck.relativeError(b.get(i), a.get(i));
            if (!(diff <= Tolerances.gradient(h.config.dtype()))) {
                throw new AssertionError("buffer " + i + " differs after one step (relative " + diff + "): running statistics updated"
                        + " differently in reversible mode for " + h.config);
            }
        }
    }

    static void inverseHolds(Harness h) {
        double error = h.stack.reconstructionError(h.input);
        double tol = Tolerances.inverse(h.config.dtype(), h.config.blocks(), h.inputMagnitude(), h.config.coupling().inverseConditioning());
        if (!(error <= tol)) {
            throw new AssertionError("inverse(forward(x)) differs from x by " + error + " > " + tol + " for " + h.config);
        }
    }
}
