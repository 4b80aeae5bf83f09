package io.github.revnet.bench;

import java.util.ArrayList;
import java.util.List;

/** The headline figures derived from a run: ratios of the same model's modes, and the FLOP-style bound. */
record Summary(double k, double bound, List<Row> rows) {
    /** One model's comparison with its stored mode. */
    record Row(String model, int batch, String mode, double timeRatio, double memoryRatio, double estimateRatio) {
    }

    static Summary of(BenchmarkRun.Outcome o) {
        double k = Double.NaN;
        for (Result r : o.runs()) {
            if (r.forwardMs() != null && r.backwardMs() != null) {
                k = r.backwardMs() / r.forwardMs();
            }
        }
        double bound = (2 + k) / (1 + k);
        List<Row> rows = new ArrayList<>();
        for (Result r : o.runs()) {
            double time = Charts.ratio(o.runs(), r, x -> x.stepMs().median());
            double memory = Charts.ratio(o.runs(), r, x -> (double) x.peakActivationBytes());
            double estimate = r.peakActivationBytes() == null || r.estimatedActivationBytes() == null ? Double.NaN
                    : (double) r.peakActivationBytes() / r.estimatedActivationBytes();
            rows.add(new Row(r.model(), r.batch(), r.mode(), time, memory, estimate));
        }
        return new Summary(k, bound, rows);
    }
}
