package io.github.revnet.gate;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The reference's own calculus: stored mode's directional derivative along random directions
 * against finite differences of the loss, in float64. Gradient agreement between modes says
 * nothing if stored mode itself is wrong; this check closes that gap.
 */
public final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /** Steps tried: h = eps^(1/3) and three tenfold reductions. */
    private static final int FD_STEPS = 4;

    /** Throws AssertionError when stored mode's directional derivative disagrees with finite differences at every step tried. */
    public static void agree(GateCase c, long seed) {
        agreesWithCentralDifferences(c, seed, 1.0);
    }

    /**
     * Checks stored mode's directional derivative, multiplied by {@code distortion} (1 for the real
     * check; a distortion such as 1 + 1e-6 is the check's negative control), against central differences.
     */
    public static void agreesWithCentralDifferences(GateCase c, long seed, double distortion) {
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            Harness.Pass pass = h.run(Mode.STORED, seed);
            List<Tensor> variables = new ArrayList<>(h.stack().parameters());
            variables.add(h.input());
            Torch.seed(seed + 1);
            List<Tensor> directions = new ArrayList<>();
            double analytic = 0;
            for (int i = 0; i < variables.size(); i++) {
                Tensor v = torch.randn_like(variables.get(i));
                directions.add(v);
                analytic += pass.gradients().get(i).mul(v).sum().item_double();
            }
            analytic *= distortion;
            // ReLU kinks make the loss non-smooth: a central difference whose step straddles one is
            // off by the slope change, however accurate the gradient (seen: a kink ~1e-6 from the
            // sample, 1.7% off at h = 6e-6, exact at 1e-7; and an affine stack with kinks within 1e-7,
            // off by 0.12% down to h = 6e-8, exact at 1e-8). So the step shrinks by 10x down to
            // 6e-9; each step's allowance is its truncation budget plus its rounding, 10·eps·|L|/h
            // (at 6e-9 about 3.7e-7·|L|, the order of the truncation budget).
            // Large curvature (BatchNorm over two values bends the loss on the scale of its eps) leaves
            // the O(h²) truncation above the budget at every step while the differences converge to
            // the gradient (seen: off by 3.9, 0.039, 3.9e-4 at h = 6e-6, 6e-7, 6e-8). Richardson's
            // extrapolation (100·D(h/10) − D(h))/99 cancels the h² term; its rounding is 101/99 of
            // the smaller step's. A wrong gradient disagrees with both at every step.
            // A kink spoils one side only: when the central difference straddles one, a one-sided
            // second-order difference (−3L(0) + 4L(±δ) − L(±2δ)) / (±2δ) from the kink-free side is as
            // accurate, O(δ²), with rounding (3+4+1)/2·eps·|L|/δ, inside the same allowance (seen: a kink
            // 1e-9..6e-9 behind the sample of an affine stack; the forward side matched at every step).
            double scale = Math.max(1, Math.abs(pass.loss()));
            StringBuilder tried = new StringBuilder();
            double previous = Double.NaN;
            double atSample = Double.NaN;
            for (int k = 0; k < FD_STEPS; k++) {
                double step = Tolerances.FD_STEP / Math.pow(10, k);
                double plus = lossAt(h, variables, directions, step, seed);
                double minus = lossAt(h, variables, directions, -step, seed);
                double numeric = (plus - minus) / (2 * step);
                double rounding = 10 * DType.FLOAT64.epsilon() * scale / step;
                double allowed = Tolerances.FD_RELATIVE * Math.max(1, Math.abs(analytic)) + rounding;
                tried.append(String.format(" h=%.1e: %.12g (allowed %.1e)", step, numeric, allowed));
                if (Math.abs(numeric - analytic) <= allowed) {
                    GateStatistics.collect("finite-difference step needed", k == 0 ? "h" : "h/" + (int) Math.pow(10, k));
                    return;
                }
                if (k > 0) {
                    double extrapolated = (100 * numeric - previous) / 99;
                    double allowedExtrapolated = Tolerances.FD_RELATIVE * Math.max(1, Math.abs(analytic)) + rounding * 101 / 99;
                    tried.append(String.format(" Richardson: %.12g (allowed %.1e)", extrapolated, allowedExtrapolated));
                    if (Math.abs(extrapolated - analytic) <= allowedExtrapolated) {
                        GateStatistics.collect("finite-difference step needed", "Richardson h/" + (int) Math.pow(10, k));
                        return;
                    }
                }
                if (Double.isNaN(atSample)) {
                    atSample = lossAt(h, variables, directions, 0, seed);
                }
                double forward = (-3 * atSample + 4 * plus - lossAt(h, variables, directions, 2 * step, seed)) / (2 * step);
                double backward = (3 * atSample - 4 * minus + lossAt(h, variables, directions, -2 * step, seed)) / (2 * step);
                tried.append(String.format(" one-sided: %.12g / %.12g", forward, backward));
                if (Math.abs(forward - analytic) <= allowed || Math.abs(backward - analytic) <= allowed) {
                    GateStatistics.collect("finite-difference step needed", "one-sided h/" + (int) Math.pow(10, k));
                    return;
                }
                previous = numeric;
            }
            throw new AssertionError("directional derivative " + analytic + " disagrees with central differences at every step:" + tried
                    + " for " + c);
        }
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
