package io.github.revnet.bench;

import io.github.revnet.core.Mode;
import io.github.revnet.core.profile.Phase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The headline figures derived from a run: each mode's step-time ratio to stored mode (the median
 * of per-round ratios, with its 95% interval), memory ratios, and for every model timed in stored
 * mode its own k = backward / forward and FLOP-style bound (2 + k)/(1 + k); where reversible mode
 * was timed too, its coupling's cost c and the bound including it, (2 + k + c)/(1 + k).
 */
record Summary(Map<String, Double> ks, Map<String, Double> couplingCosts, List<Row> rows) {
    /** (2 + k)/(1 + k) for {@code model}, NaN where its stored mode was not timed. */
    double boundOf(String model) {
        Double value = ks.get(model);
        return value == null ? Double.NaN : (2 + value) / (1 + value);
    }

    /**
     * (2 + k + c)/(1 + k) for {@code model}: the bound with the coupling's own arithmetic, c being reversible mode's
     * reconstruction phase (the coupling's inverse, its re-combination, its gradient and the backward's seed) in units of
     * stored mode's forward. An upper bound, since stored mode's backward already differentiates the coupling once,
     * inside its k. NaN where either mode's phases are missing.
     */
    double couplingBoundOf(String model) {
        Double k = ks.get(model);
        Double c = couplingCosts.get(model);
        return k == null || c == null ? Double.NaN : (2 + k + c) / (1 + k);
    }

    /** One model's comparison with its stored mode; the interval bounds are NaN for stored mode itself. */
    record Row(String model, int batch, Mode mode, double timeRatio, double timeRatioLow, double timeRatioHigh, double memoryRatio,
            double estimateRatio) {
    }

    static Summary of(BenchmarkRun.Outcome o) {
        Map<String, Double> ks = new LinkedHashMap<>();
        Map<String, Double> forwards = new LinkedHashMap<>();
        for (Result r : o.runs()) {
            if (r.forwardMs() != null && r.backwardMs() != null) {
                ks.put(r.model(), r.backwardMs() / r.forwardMs());
                forwards.put(r.model(), r.forwardMs());
            }
        }
        Map<String, Double> couplingCosts = new LinkedHashMap<>();
        for (Result r : o.runs()) {
            Double reconstruction = r.phasesMs() == null ? null : r.phasesMs().get(Phase.RECONSTRUCTION.label());
            if (r.mode() == Mode.REVERSIBLE && reconstruction != null && forwards.containsKey(r.model())) {
                couplingCosts.put(r.model(), reconstruction / forwards.get(r.model()));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Result r : o.runs()) {
            double time = r.paired() != null ? r.paired().ratio().median() : Charts.ratio(o.runs(), r, x -> x.stepMs().median());
            double low = r.paired() != null ? r.paired().ratio().low() : Double.NaN;
            double high = r.paired() != null ? r.paired().ratio().high() : Double.NaN;
            double memory = Charts.ratio(o.runs(), r, x -> (double) x.peakActivationBytes());
            double estimate = r.peakActivationBytes() == null || r.estimatedActivationBytes() == null ? Double.NaN
                    : (double) r.peakActivationBytes() / r.estimatedActivationBytes();
            rows.add(new Row(r.model(), r.batch(), r.mode(), time, low, high, memory, estimate));
        }
        return new Summary(ks, couplingCosts, rows);
    }

    Row row(Result r) {
        return rows.stream().filter(x -> x.model().equals(r.model()) && x.batch() == r.batch() && x.mode() == r.mode()).findFirst()
                .orElseThrow();
    }
}
