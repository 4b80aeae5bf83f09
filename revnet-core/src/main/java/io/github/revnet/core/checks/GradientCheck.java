package io.github.revnet.core.checks;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.Network;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs one forward/backward in {@code stored} and in {@code reversible} mode from the same weights,
 * running statistics, input and random streams (so dropout masks agree), and compares everything
 * the two should agree on.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /** Relative error of one gradient tensor: ‖g_rev − g_stored‖ / ‖g_stored‖ (absolute when ‖g_stored‖ = 0). */
    public record TensorError(String name, double relativeError) {
    }

    /**
     * What the check measured. Below float64 and when asked, also each mode's angle to the gradient a float64 twin of the model computes
     * (same weights, input and labels, stored mode): what the lower precision itself costs, apart from reversibility
     * (NaN in float64 or when not asked).
     */
    public record Result(String model, DType dtype, int batch, double inverseMaxAbsError, double maxRelativeGradError,
            List<TensorError> parameters, double inputRelativeError, double runningStatsMaxAbsDiff, double gradAngleDegrees,
            double storedLoss, double reversibleLoss, double storedAngleToFloat64Degrees, double reversibleAngleToFloat64Degrees) {
    }

    public static Result run(Model model, Tensor input, Tensor labels) {
        return run(model, input, labels, message -> { });
    }

    /** As {@link #run(Model, Tensor, Tensor)}, reporting each phase to {@code progress}. */
    public static Result run(Model model, Tensor input, Tensor labels, java.util.function.Consumer<String> progress) {
        return run(model, input, labels, progress, false);
    }

    /**
     * As {@link #run(Model, Tensor, Tensor, java.util.function.Consumer)}; with {@code againstFloat64} and a dtype below
     * float64, also each mode's angle to a float64 twin's gradient. Building the twin seeds LibTorch's default generator
     * (as building any model does), so a training loop does not ask for it.
     */
    public static Result run(Model model, Tensor input, Tensor labels, java.util.function.Consumer<String> progress,
            boolean againstFloat64) {
        return run(model, input, labels, progress, againstFloat64, model.options().seed());
    }

    /**
     * As {@link #run(Model, Tensor, Tensor)}, both passes drawing their random ops (dropout, drop-path) from the model's
     * streams reseeded with {@code rngSeed}: a training loop passes the seed its other steps draw under.
     */
    public static Result run(Model model, Tensor input, Tensor labels, long rngSeed) {
        return run(model, input, labels, message -> { }, false, rngSeed);
    }

    private static Result run(Model model, Tensor input, Tensor labels, java.util.function.Consumer<String> progress,
            boolean againstFloat64, long rngSeed) {
        if (!model.spec().reversible()) {
            throw new IllegalArgumentException(model.spec().name() + " has no reversible blocks to check");
        }
        model.validateInput(input, Mode.REVERSIBLE);
        Network net = model.network();
        try (NativeArena held = new NativeArena(); NativeScope scope = NativeScope.open()) {
            ModePass.Buffers initialBuffers = held.run(() -> ModePass.Buffers.of(net));

            progress.accept("inverse: reconstructing every reversible stack's input from its output");
            double[] inverseError = {0};
            Grad.off(() -> net.forward(input, Mode.STORED, (stack, x) ->
                    inverseError[0] = Math.max(inverseError[0], stack.reconstructionError(x))));
            initialBuffers.restore();

            progress.accept("stored: forward/backward with plain autograd");
            Pass stored = held.run(() -> pass(model, input, labels, Mode.STORED, rngSeed));
            initialBuffers.restore();
            progress.accept("reversible: forward without activations, backward by reconstruction");
            Pass reversible = held.run(() -> pass(model, input, labels, Mode.REVERSIBLE, rngSeed));

            List<TensorError> errors = new ArrayList<>();
            double worst = 0;
            for (Map.Entry<String, Tensor> e : stored.gradients.entrySet()) {
                Tensor s = e.getValue();
                Tensor r = reversible.gradients.get(e.getKey());
                double err = relativeError(r, s);
                errors.add(new TensorError(e.getKey(), err));
                worst = Math.max(worst, err);
            }
            double inputError = relativeError(reversible.inputGradient, stored.inputGradient);
            double angle = angleDegrees(new ArrayList<>(reversible.gradients.values()), new ArrayList<>(stored.gradients.values()));
            double statsDiff = 0;
            for (int i = 0; i < stored.buffersAfter.size(); i++) {
                statsDiff = Math.max(statsDiff, maxAbsDiff(stored.buffersAfter.get(i), reversible.buffersAfter.get(i)));
            }
            double[] toFloat64 = {Double.NaN, Double.NaN};
            if (againstFloat64 && model.dtype() != DType.FLOAT64) {
                progress.accept("float64: the same weights, input and labels in float64, stored mode, for the angle the lower precision costs");
                List<Tensor> reference = float64Gradients(model, input, labels, initialBuffers, held);
                toFloat64[0] = angleDegrees(new ArrayList<>(stored.gradients.values()), reference);
                toFloat64[1] = angleDegrees(new ArrayList<>(reversible.gradients.values()), reference);
            }
            return new Result(model.spec().name(), model.dtype(), (int) input.size(0), inverseError[0], Math.max(worst, inputError),
                    errors, inputError, statsDiff, angle, stored.loss, reversible.loss, toFloat64[0], toFloat64[1]);
        }
    }

    /** Stored mode's parameter gradients of a float64, fp32-policy twin of {@code model} holding its weights and starting buffers. */
    private static List<Tensor> float64Gradients(Model model, Tensor input, Tensor labels, ModePass.Buffers initialBuffers,
            NativeArena held) {
        initialBuffers.restore();
        // Built outside the check's arena: the twin's own arena releases its modules, and an arena recording them as well
        // would release them a second time.
        try (Model twin = Model.create(model.spec(), model.options().dtype(DType.FLOAT64).precision(Precision.FP32))) {
            Map<String, Tensor> mine = model.namedParameters();
            Grad.off(() -> {
                twin.namedParameters().forEach((name, p) -> p.copy_(mine.get(name)));
                return null;
            });
            return held.run(() -> {
                Pass reference = pass(twin, input.to(DType.FLOAT64.scalarType()), labels, Mode.STORED, twin.options().seed());
                List<Tensor> out = new ArrayList<>();
                reference.gradients.values().forEach(g -> out.add(g.clone()));
                return out;
            });
        }
    }

    private record Pass(double loss, Map<String, Tensor> gradients, Tensor inputGradient, List<Tensor> buffersAfter) {
    }

    private static Pass pass(Model model, Tensor input, Tensor labels, Mode mode, long rngSeed) {
        model.reseed(rngSeed);
        ModePass.Result r = ModePass.run(model.network(), input, true, x -> model.loss(model.forward(x, mode), labels), ModePass.Hooks.NONE);
        Map<String, Tensor> grads = new LinkedHashMap<>();
        int i = 0;
        for (String name : model.network().namedParameters().keySet()) {
            grads.put(name, r.parameterGradients().get(i++));
        }
        return new Pass(r.loss(), grads, r.inputGradient(), r.buffersAfter());
    }

    /** ‖a − b‖ / ‖b‖, or ‖a − b‖ when b is zero; infinite when only one of them exists. */
    public static double relativeError(Tensor a, Tensor b) {
        if (a == null || b == null) {
            return a == b ? 0 : Double.POSITIVE_INFINITY;
        }
        try (NativeScope scope = NativeScope.open()) {
            double diff = a.sub(b).norm().item_double();
            double ref = b.norm().item_double();
            return ref == 0 ? diff : diff / ref;
        }
    }

    /**
     * The angle in degrees between two gradient vectors given as lists of tensors (nulls skipped
     * pairwise): 0 for two zero vectors, 90 for one. Computed as 2·atan2(‖â − b̂‖, ‖â + b̂‖) with
     * â, b̂ the unit vectors, which stays accurate for tiny angles where acos of the cosine
     * cannot resolve anything below ~1e-6 degrees in float64.
     */
    public static double angleDegrees(List<Tensor> a, List<Tensor> b) {
        try (NativeScope scope = NativeScope.open()) {
            double na = 0;
            double nb = 0;
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) != null && b.get(i) != null) {
                    na += a.get(i).square().sum().item_double();
                    nb += b.get(i).square().sum().item_double();
                }
            }
            if (na == 0 || nb == 0) {
                return na == nb ? 0 : 90;
            }
            org.bytedeco.pytorch.Scalar ia = new org.bytedeco.pytorch.Scalar(1 / Math.sqrt(na));
            org.bytedeco.pytorch.Scalar ib = new org.bytedeco.pytorch.Scalar(1 / Math.sqrt(nb));
            double diff = 0;
            double sum = 0;
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) != null && b.get(i) != null) {
                    Tensor ua = a.get(i).mul(ia);
                    Tensor ub = b.get(i).mul(ib);
                    diff += ua.sub(ub).square().sum().item_double();
                    sum += ua.add(ub).square().sum().item_double();
                }
            }
            return Math.toDegrees(2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum)));
        }
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        try (NativeScope scope = NativeScope.open()) {
            return a.numel() == 0 ? 0 : a.sub(b).abs().max().item_double();
        }
    }

}
