package io.github.revnet.bench;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.profile.FlopCount;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * How far each step is from the machine's limit: every configuration's forward FLOPs, counted
 * ({@link FlopCount}) on its own model and batch, and the limit measured in the same run
 * ({@link PeakFlops}). A training step's <em>model FLOPs</em> are three forwards' worth (the forward,
 * then an input and a weight gradient per product) in every mode: reversible and checkpoint mode's
 * recomputation is extra work toward the same step, so their rate is the useful rate and falls by
 * their time ratio, as model-FLOP utilisation is reckoned.
 *
 * @param peak the machine's limit, measured
 * @param precision the sweep's number format, which picks the limit a step is held to
 * @param forwardFlops per configuration ("model@batch"), the forward FLOPs; absent where a layer could not be counted
 */
public record Arithmetic(PeakFlops peak, Precision precision, Map<String, Long> forwardFlops) {

    /** One row: a configuration in one mode. */
    public record Row(String model, String mode, int batch, double gflopPerStep, double gflopPerSecond, double fractionOfPeak) {
    }

    public Arithmetic {
        forwardFlops = Map.copyOf(forwardFlops);
    }

    static String key(String model, int batch) {
        return model + "@" + batch;
    }

    /** Counts the forward FLOPs of every configuration of {@code configs}. */
    static Map<String, Long> count(List<Sweep.Config> configs) {
        Map<String, Long> flops = new LinkedHashMap<>();
        for (Sweep.Config c : configs) {
            try (Model model = Model.create(c.model(), ModelOptions.defaults().dtype(c.dtype()).seed(1));
                    NativeScope scope = NativeScope.open()) {
                OptionalLong n = FlopCount.forward(model, model.randomInput(c.batch(), c.imageSize()));
                n.ifPresent(v -> flops.put(key(c.model(), c.batch()), v));
            }
        }
        return flops;
    }

    /** The row of {@code r}, or null where its forward could not be counted. */
    Row row(Result r) {
        Long forward = forwardFlops.get(key(r.model(), r.batch()));
        if (forward == null) {
            return null;
        }
        double gflop = 3.0 * forward / 1e9;
        double rate = gflop / (r.stepMs().median() / 1e3);
        return new Row(r.model(), r.mode().label(), r.batch(), gflop, rate, rate / peak.gflopsFor(precision));
    }

    /** The rows of {@code runs} that could be counted, in their order. */
    List<Row> rows(List<Result> runs) {
        return runs.stream().map(this::row).filter(java.util.Objects::nonNull).toList();
    }
}
