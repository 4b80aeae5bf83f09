package io.github.revnet.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The headline figures derived from a run: ratios of the same model's modes, and the FLOP-style
 * bound (2 + k)/(1 + k) for every model whose forward and backward were timed alone; {@link #k}
 * and {@link #bound} are the sweep's first such model's.
 */
record Summary(double k, double bound, java.util.Map<String, Double> ks, List<Row> rows) {
    /** (2 + k)/(1 + k) for {@code model}, NaN where its passes were not timed. */
    double boundOf(String model) {
        Double value = ks.get(model);
        return value == null ? Double.NaN : (2 + value) / (1 + value);
    }

    /** One model's comparison with its stored mode. */
    record Row(String model, int batch, String mode, double timeRatio, double memoryRatio, double estimateRatio) {
    }

    static Summary of(BenchmarkRun.Outcome o) {
        java.util.Map<String, Double> ks = new java.util.LinkedHashMap<>();
        for (Result r : o.runs()) {
            if (r.forwardMs() != null && r.backwardMs() != null) {
                ks.put(r.model(), r.backwardMs() / r.forwardMs());
            }
        }
        double k = ks.getOrDefault(o.sweep().passModel(), Double.NaN);
        double bound = (2 + k) / (1 + k);
        List<Row> rows = new ArrayList<>();
        for (Result r : o.runs()) {
            double time = Charts.ratio(o.runs(), r, x -> x.stepMs().median());
            double memory = Charts.ratio(o.runs(), r, x -> (double) x.peakActivationBytes());
            double estimate = r.peakActivationBytes() == null || r.estimatedActivationBytes() == null ? Double.NaN
                    : (double) r.peakActivationBytes() / r.estimatedActivationBytes();
            rows.add(new Row(r.model(), r.batch(), r.mode(), time, memory, estimate));
        }
        return new Summary(k, bound, ks, rows);
    }
}
