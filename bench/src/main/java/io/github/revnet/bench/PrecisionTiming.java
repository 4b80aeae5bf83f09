package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Step time per precision policy and mode, side by side in one run: every round steps each
 * (policy, mode) pair once, in an order that rotates from round to round, so a policy's ratio to
 * the first policy is paired within a round and a slow stretch of the machine slows both sides.
 */
public final class PrecisionTiming {
    private PrecisionTiming() {
    }

    /** What to time: the first policy is the reference of every ratio. */
    public record Options(String model, int batch, int imageSize, List<Precision> precisions, List<Mode> modes, int warmupRounds,
            int rounds) {
        public Options {
            if (precisions.size() < 2) {
                throw new IllegalArgumentException("timing policies side by side needs at least two precisions, got " + precisions);
            }
            if (rounds < 6) {
                throw new IllegalArgumentException("rounds must be >= 6 (fewer give no 95% interval), got " + rounds);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            }
        }
    }

    /** One (policy, mode): its step time, and its ratio to the first policy in the same mode and round. */
    public record Row(Precision precision, Mode mode, MedianInterval stepMs, MedianInterval ratioToReference) {
    }

    public static List<Row> run(Options o, Consumer<String> progress) {
        List<Precision> policies = o.precisions();
        List<StepRig> rigs = new ArrayList<>();
        Map<Precision, Map<Mode, List<Double>>> times = new LinkedHashMap<>();
        try {
            for (Precision p : policies) {
                rigs.add(new StepRig(o.model(), DType.FLOAT32, p, o.batch(), o.imageSize()));
                Map<Mode, List<Double>> byMode = new EnumMap<>(Mode.class);
                o.modes().forEach(m -> byMode.put(m, new ArrayList<>()));
                times.put(p, byMode);
            }
            int pairs = policies.size() * o.modes().size();
            for (int round = 0; round < o.warmupRounds() + o.rounds(); round++) {
                boolean warm = round >= o.warmupRounds();
                StringBuilder line = new StringBuilder();
                for (int position = 0; position < pairs; position++) {
                    int pair = RoundState.modeAt(round * pairs + position, pairs);
                    int pi = pair / o.modes().size();
                    Mode mode = o.modes().get(pair % o.modes().size());
                    StepRig rig = rigs.get(pi);
                    long start = System.nanoTime();
                    rig.trainer.step(rig.images, rig.labels, mode);
                    double ms = (System.nanoTime() - start) / 1e6;
                    if (warm) {
                        times.get(policies.get(pi)).get(mode).add(ms);
                        line.append(line.length() == 0 ? ": " : ", ").append(String.format("%s %s %.1f ms", policies.get(pi), mode, ms));
                    }
                }
                progress.accept(String.format("%s round %d/%d%s", warm ? "measured" : "warm-up", warm ? round - o.warmupRounds() + 1
                        : round + 1, warm ? o.rounds() : o.warmupRounds(), line));
            }
        } finally {
            rigs.forEach(StepRig::close);
        }
        List<Row> rows = new ArrayList<>();
        for (Mode mode : o.modes()) {
            List<Double> reference = times.get(policies.get(0)).get(mode);
            for (Precision p : policies) {
                List<Double> mine = times.get(p).get(mode);
                double[] ratios = new double[mine.size()];
                for (int i = 0; i < ratios.length; i++) {
                    ratios[i] = mine.get(i) / reference.get(i);
                }
                rows.add(new Row(p, mode, MedianInterval.of(mine.stream().mapToDouble(Double::doubleValue).toArray(), 0.95),
                        MedianInterval.of(ratios, 0.95)));
            }
        }
        return rows;
    }

    /** The rows as a text table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-12s %-11s %26s %28s%n", "mode", "precision", "step ms, median [95%]",
                "vs " + rows.get(0).precision() + " (paired) [95%]"));
        for (Row r : rows) {
            sb.append(String.format("%-12s %-11s %8.1f [%7.1f, %7.1f] %10.3f [%6.3f, %6.3f]%n", r.mode(), r.precision(), r.stepMs().median(),
                    r.stepMs().low(), r.stepMs().high(), r.ratioToReference().median(), r.ratioToReference().low(),
                    r.ratioToReference().high()));
        }
        return sb.toString();
    }
}
