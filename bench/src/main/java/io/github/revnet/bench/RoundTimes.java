package io.github.revnet.bench;

import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Step times grouped into rounds: each round is one consecutive run of every mode it times, in the
 * order {@link RoundState} rotated it to. A mode's ratio is taken within each round, against the
 * stored step of that same round, so drifts of the machine's speed that last longer than a round
 * cancel. Rounds may time different sets of modes ({@link #plus}): a precise model's extra rounds
 * time only stored mode and the mode whose interval is being narrowed.
 */
record RoundTimes(List<Mode> modes, List<Map<Mode, Double>> perRound) {

    /** Groups {@code millis[i]}, measured in mode {@code ran[i]}, into rounds of {@code modes.size()} iterations. */
    static RoundTimes of(List<Mode> modes, List<Mode> ran, List<Double> millis) {
        if (ran.size() != millis.size() || ran.size() % modes.size() != 0) {
            throw new IllegalArgumentException("rounds need as many modes as times and whole rounds of " + modes.size() + ", got "
                    + ran.size() + " modes and " + millis.size() + " times");
        }
        List<Map<Mode, Double>> rounds = new ArrayList<>();
        for (int start = 0; start < ran.size(); start += modes.size()) {
            Map<Mode, Double> round = new EnumMap<>(Mode.class);
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

    /** These rounds followed by {@code later}'s; the modes are this one's (a superset of later's). */
    RoundTimes plus(RoundTimes later) {
        if (!modes.containsAll(later.modes)) {
            throw new IllegalArgumentException("later rounds time " + later.modes + ", not a subset of " + modes);
        }
        List<Map<Mode, Double>> all = new ArrayList<>(perRound);
        all.addAll(later.perRound);
        return new RoundTimes(modes, all);
    }

    int rounds() {
        return perRound.size();
    }

    /** The rounds that timed {@code mode}. */
    int rounds(Mode mode) {
        return (int) perRound.stream().filter(r -> r.containsKey(mode)).count();
    }

    double[] times(Mode mode) {
        return perRound.stream().filter(r -> r.containsKey(mode)).mapToDouble(r -> r.get(mode)).toArray();
    }

    /** {@code mode}'s step over stored mode's step, one value per round that timed both. */
    double[] ratios(Mode mode) {
        return perRound.stream().filter(r -> r.containsKey(mode) && r.containsKey(Mode.STORED)).mapToDouble(r -> r.get(mode) / r.get(Mode.STORED))
                .toArray();
    }

    /** {@code mode}'s ratios with the rounds a glitch produced set aside ({@link RoundScreen}). */
    RoundScreen screen(Mode mode) {
        return RoundScreen.of(ratios(mode));
    }

    /** The median of {@code mode}'s screened ratios with its 95% interval. */
    MedianInterval ratio(Mode mode) {
        return screen(mode).interval();
    }

    /** The relative half-width of {@code mode}'s screened ratio interval; infinite while there are too few rounds for one. */
    double halfWidth(Mode mode) {
        double h = ratio(mode).relativeHalfWidth();
        return Double.isNaN(h) ? Double.POSITIVE_INFINITY : h;
    }

    /** The widest relative half-width among the modes' ratio intervals; infinite while there are too few rounds for one. */
    double widestHalfWidth() {
        double widest = 0;
        for (Mode mode : modes) {
            if (mode != Mode.STORED && modes.contains(Mode.STORED)) {
                widest = Math.max(widest, halfWidth(mode));
            }
        }
        return widest;
    }

    String describe() {
        StringBuilder sb = new StringBuilder(rounds() + " rounds: stored " + String.format("%.1f ms", MedianInterval.of(times(Mode.STORED),
                0.95).median()));
        for (Mode mode : modes) {
            if (mode != Mode.STORED) {
                MedianInterval m = ratio(mode);
                int excluded = screen(mode).excluded().size();
                sb.append(String.format(", %s/stored %.3f [%.3f, %.3f] (±%.1f%%, %d rounds%s)", mode, m.median(), m.low(), m.high(),
                        100 * m.relativeHalfWidth(), rounds(mode), excluded == 0 ? "" : ", " + excluded + " set aside"));
            }
        }
        return sb.toString();
    }
}
