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

    /** The relative error of every gradient tensor, in order, for failure messages. */
    static List<Double> gradientErrors(Harness.Pass a, Harness.Pass b) {
        List<Double> errors = new java.util.ArrayList<>();
        for (int i = 0; i < a.gradients().size(); i++) {
            errors.add(GradientCheck.relativeError(a.gradients().get(i), b.gradients().get(i)));
        }
        return errors;
    }

    /** Checks agreement and returns the worst relative error, for the statistics report. */
    static double gradientsAgree(Harness h, long rngSeed) {
        Harness.Pass stored = reproducibleStoredPass(h, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        double worst = worstGradientError(reversible, stored);
        double sensitivity = h.reconstructionSensitivity(rngSeed);
        double spread = h.evaluationOrderSpread(rngSeed, stored);
        double tol = Tolerances.gradient(h.config.dtype(), h.config.blocks(), sensitivity + spread);
        if (!(worst <= tol)) {
            throw new AssertionError("gradients differ: worst relative error " + worst + " > " + tol + " (first-order bound under the"
                    + " measured reconstruction error: " + sensitivity + "; spread over evaluation orders: " + spread + ") for " + h.config);
        }
        return worst;
    }

    /**
     * A stored pass, checked to be bitwise reproducible from the same random state. Reconstruction
     * needs F and G to be functions of their input and the stack's random stream; a random op that
     * draws from anywhere else (an attention dropout on the default generator) cannot be replayed,
     * and would also inflate the measured tolerance, since every probe of stored mode would differ.
     */
    static Harness.Pass reproducibleStoredPass(Harness h, long rngSeed) {
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        double repeat = worstGradientError(h.run(Mode.STORED, rngSeed), stored);
        if (repeat != 0) {
            throw new AssertionError("gradients differ between two stored passes from the same random state (worst relative "
                    + repeat + "): a function draws random numbers that the stack's stream does not replay, for " + h.config);
        }
        return stored;
    }

    /** The angle between the full gradient vectors of two passes; must stay under the angle that the gradient tolerance allows. */
    static double gradientAngleAgrees(Harness h, long rngSeed) {
        Harness.Pass stored = h.run(Mode.STORED, rngSeed);
        Harness.Pass reversible = h.run(Mode.REVERSIBLE, rngSeed);
        double angle = GradientCheck.angleDegrees(reversible.gradients(), stored.gradients());
        double sensitivity = h.reconstructionSensitivity(rngSeed) + h.evaluationOrderSpread(rngSeed, stored);
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
