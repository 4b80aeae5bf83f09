package io.github.revnet.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which rounds of a recomputing mode count: its per-round ratios to stored mode, with the rounds a
 * measurement glitch produced set aside. Two rules, applied in order:
 * <ol>
 * <li><b>Below the floor</b>: reversible and checkpoint mode perform every operation of the stored
 * step and run F and G forward once more besides, so a ratio below {@link #FLOOR} is physically
 * impossible; such a round saw a pause in its stored step (a collector, the OS), not a fast
 * recomputing one.</li>
 * <li><b>Outlier</b>: a ratio farther than {@link #OUTLIER_MADS} scaled median absolute deviations
 * (1.4826 · MAD, the standard deviation's robust estimate) from the median of the rounds above the
 * floor: the Hampel identifier, loose enough for the heavy tails of step times. Only from
 * {@link #OUTLIER_MIN_ROUNDS} rounds on: the MAD of fewer is itself too noisy to be a scale (in a
 * report, 6-round samples lost a round 4.6 MADs out by this rule).</li>
 * </ol>
 * The set-aside rounds are reported, and stay in the raw rounds of results.json.
 */
record RoundScreen(double[] kept, List<Excluded> excluded) {

    /** The least ratio a recomputing mode's step can have to the stored step of the same round. */
    static final double FLOOR = 1.0;

    /** How many scaled median absolute deviations from the median make a round an outlier. */
    static final double OUTLIER_MADS = 5;

    /** The fewest rounds above the floor for which outliers are looked for. */
    static final int OUTLIER_MIN_ROUNDS = 12;

    enum Reason {
        BELOW_FLOOR("below the floor"), OUTLIER("outlier");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Round {@code round} (0-based, in the order the rounds ran) set aside, with its ratio and why. */
    record Excluded(int round, double ratio, Reason reason) {
    }

    static RoundScreen of(double[] ratios) {
        List<Excluded> excluded = new ArrayList<>();
        double[] aboveFloor = Arrays.stream(ratios).filter(r -> r >= FLOOR).toArray();
        double median = MedianInterval.median(aboveFloor);
        double spread = 1.4826 * MedianInterval.median(Arrays.stream(aboveFloor).map(r -> Math.abs(r - median)).toArray());
        double[] kept = new double[ratios.length];
        int n = 0;
        for (int i = 0; i < ratios.length; i++) {
            double r = ratios[i];
            if (!(r >= FLOOR)) {
                excluded.add(new Excluded(i, r, Reason.BELOW_FLOOR));
            } else if (aboveFloor.length >= OUTLIER_MIN_ROUNDS && spread > 0 && Math.abs(r - median) > OUTLIER_MADS * spread) {
                excluded.add(new Excluded(i, r, Reason.OUTLIER));
            } else {
                kept[n++] = r;
            }
        }
        return new RoundScreen(Arrays.copyOf(kept, n), List.copyOf(excluded));
    }

    /** The median of the kept ratios with its 95% interval; all NaN when every round was set aside. */
    MedianInterval interval() {
        return kept.length == 0 ? new MedianInterval(Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN) : MedianInterval.of(kept, 0.95);
    }

    long count(Reason reason) {
        return excluded.stream().filter(e -> e.reason() == reason).count();
    }
}
