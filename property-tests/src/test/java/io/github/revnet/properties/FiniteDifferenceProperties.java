package io.github.revnet.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Property 3: the reference itself is right. Central differences agree with stored mode's gradient. */
class FiniteDifferenceProperties {
    @Provide
    Arbitrary<StackConfig> float64Stacks() {
        // No dropout here: its exact zeros can leave a following BatchNorm nearly constant input,
        // where the loss bends on the scale of BatchNorm's eps and central differences with a
        // step of 6e-6 stop being accurate (seen: 43% off for a 2-value BatchNorm). Dropout's
        // correctness is property 6's subject; this property checks the reference's calculus.
        return Generators.float64Stacks().map(c -> new StackConfig(c.batch(), c.channels(), c.height(), c.width(), c.kernel(), c.kind(),
                Math.min(c.blocks(), 4), DType.FLOAT64, c.batchNorm(), 0.0, c.layout(), true));
    }

    @Property
    void storedGradientMatchesCentralDifferencesAlongRandomDirections(@ForAll("float64Stacks") StackConfig c, @ForAll long seed) {
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            Harness.Pass pass = h.run(Mode.STORED, seed);
            List<Tensor> variables = new ArrayList<>(h.stack.parameters());
            variables.add(h.input);
            Torch.seed(seed + 1);
            List<Tensor> directions = new ArrayList<>();
            double analytic = 0;
            for (int i = 0; i < variables.size(); i++) {
                Tensor v = torch.randn_like(variables.get(i));
                directions.add(v);
                analytic += pass.gradients().get(i).mul(v).sum().item_double();
            }
            // Richardson extrapolation of two central differences cancels the h^2 truncation term,
            // which BatchNorm over a handful of values makes large (its curvature grows like 1/sigma^3).
            double step = Tolerances.FD_STEP;
            double coarse = centralDifference(h, variables, directions, step, seed);
            double fine = centralDifference(h, variables, directions, step / 2, seed);
            double numeric = (4 * fine - coarse) / 3;
            // |fine − coarse| is the standard a-posteriori error estimate of the fine difference: small
            // where the loss is smooth, and as large as the error itself where a ReLU kink lies
            // within a step of the sample. A wrong gradient shows up as both differences agreeing
            // with each other and not with it.
            double allowed = Tolerances.FD_RELATIVE * Math.max(1, Math.abs(analytic)) + Math.abs(fine - coarse);
            Statistics.label("finite-difference error estimate").collect(Math.abs(fine - coarse) <= Tolerances.FD_RELATIVE ? "smooth" : "kink or high curvature");
            assertTrue(Math.abs(numeric - analytic) <= allowed, "directional derivative " + analytic + " vs central difference " + numeric
                    + " (fine " + fine + ", coarse " + coarse + ", allowed " + allowed + ") for " + c);
        }
    }

    private static double centralDifference(Harness h, List<Tensor> variables, List<Tensor> directions, double step, long seed) {
        return (lossAt(h, variables, directions, step, seed) - lossAt(h, variables, directions, -step, seed)) / (2 * step);
    }

    private static double lossAt(Harness h, List<Tensor> variables, List<Tensor> directions, double t, long seed) {
        shift(variables, directions, t);
        try {
            return h.run(Mode.STORED, seed).loss();
        } finally {
            shift(variables, directions, -t);
        }
    }

    private static void shift(List<Tensor> variables, List<Tensor> directions, double t) {
        if (t == 0) {
            return;
        }
        try (NativeScope scope = NativeScope.open()) {
            Grad.off(() -> {
                for (int i = 0; i < variables.size(); i++) {
                    variables.get(i).add_(directions.get(i).mul(new Scalar(t)));
                }
                return null;
            });
        }
    }
}
