package io.github.revnet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step times grouped into rounds: each round is one consecutive run of every mode, in the order
 * {@link RoundState} rotated it to. A mode's ratio is taken within each round, against the stored
 * step of that same round, so drifts of the machine's speed that last longer than a round cancel.
 */
record RoundTimes(List<String> modes, List<Map<String, Double>> perRound) {

    /** Groups {@code millis[i]}, measured in mode {@code ran[i]}, into rounds of {@code modes.size()} iterations. */
    static RoundTimes of(List<String> modes, List<String> ran, List<Double> millis) {
        if (ran.size() != millis.size() || ran.size() % modes.size() != 0) {
            throw new IllegalArgumentException("rounds need as many modes as times and whole rounds of " + modes.size() + ", got "
                    + ran.size() + " modes and " + millis.size() + " times");
        }
        List<Map<String, Double>> rounds = new ArrayList<>();
        for (int start = 0; start < ran.size(); start += modes.size()) {
            Map<String, Double> round = new TreeMap<>();
            for (int i = start; i < start + modes.size(); i++) {
                if (round.put(ran.get(i), millis.get(i)) != null) {
                    throw new IllegalArgumentException("round at iteration " + start + " ran " + ran.get(i) + " twice: " + ran.subList(start,
                            start + modes.size()));
                }
            }
            if (!round.keySet().containsAll(modes)) {
                throw new IllegalArgumentException("round at iteration " + start + " lacks a mode of " + modes + ": " + round.keySet());
            }
            rounds.add(round);
        }
        return new RoundTimes(List.copyOf(modes), rounds);
    }

    int rounds() {
        return perRound.size();
    }

    double[] times(String mode) {
        return perRound.stream().mapToDouble(r -> r.get(mode)).toArray();
    }

    /** {@code mode}'s step over stored mode's step, one value per round. */
    double[] ratios(String mode) {
        return perRound.stream().mapToDouble(r -> r.get(mode) / r.get("stored")).toArray();
    }

    /** The widest relative half-width among the modes' ratio intervals; infinite while there are too few rounds for one. */
    double widestHalfWidth() {
        double widest = 0;
        for (String mode : modes) {
            if (!mode.equals("stored") && modes.contains("stored")) {
                double h = MedianInterval.of(ratios(mode), 0.95).relativeHalfWidth();
                widest = Math.max(widest, Double.isNaN(h) ? Double.POSITIVE_INFINITY : h);
            }
        }
        return widest;
    }

    String describe() {
        StringBuilder sb = new StringBuilder(rounds() + " rounds: stored " + String.format("%.1f ms", MedianInterval.of(times("stored"),
                0.95).median()));
        for (String mode : modes) {
            if (!mode.equals("stored")) {
                MedianInterval m = MedianInterval.of(ratios(mode), 0.95);
                sb.append(String.format(", %s/stored %.3f [%.3f, %.3f] (±%.1f%%)", mode, m.median(), m.low(), m.high(),
                        100 * m.relativeHalfWidth()));
            }
        }
        return sb.toString();
    }
}
