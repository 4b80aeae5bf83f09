package io.github.revnet.bench;

import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;

/**
 * How many interleaved rounds each configuration of a sweep gets: budgeted by cost, not by count.
 * Every configuration starts with a fork of {@code firstRounds} rounds of all its modes. What is
 * left of {@code timingSeconds} then goes to forks of stored mode and the undecided modes, a mode
 * being undecided while its ratio interval (screened by {@link RoundScreen}) is wider than its
 * target: ± {@code headlineHalfWidth} for reversible mode of a {@code headline} model, ±
 * {@code targetHalfWidth} otherwise. The headline models go first, then the configurations
 * cheapest to decide ({@link ConfigTiming#mostUrgent}); a fork is at least {@code minExtraRounds}
 * rounds, and no mode gets more than {@code maxRounds}.
 *
 * <p>A configuration whose stored step is shorter than {@code minSampleMillis} times several
 * steps per sample (their mean), since single short steps scatter more than the ratio's target;
 * its first fork is then a pilot, kept in jmh.json but not pooled with the samples of several
 * steps.
 */
public record RoundBudget(int warmupRounds, int firstRounds, int minExtraRounds, int maxRounds, double targetHalfWidth,
        double headlineHalfWidth, List<String> headline, double timingSeconds, double minSampleMillis) {

    public RoundBudget {
        if (firstRounds < 6) {
            throw new IllegalArgumentException("firstRounds must be >= 6 (fewer give no 95% interval for a median), got " + firstRounds);
        }
        if (minExtraRounds < 1) {
            throw new IllegalArgumentException("minExtraRounds must be >= 1, got " + minExtraRounds);
        }
        if (maxRounds < firstRounds) {
            throw new IllegalArgumentException("maxRounds must be >= firstRounds (" + firstRounds + "), got " + maxRounds);
        }
        if (!(targetHalfWidth > 0) || !(headlineHalfWidth > 0)) {
            throw new IllegalArgumentException("targets must be positive, got " + targetHalfWidth + " and " + headlineHalfWidth);
        }
        if (!(timingSeconds >= 0)) {
            throw new IllegalArgumentException("timingSeconds must be >= 0, got " + timingSeconds);
        }
        headline = List.copyOf(headline);
    }

    /** The half-width {@code mode}'s ratio interval must reach for {@code model}'s row to be decided. */
    double target(String model, Mode mode) {
        return mode == Mode.REVERSIBLE && headline.contains(model) ? headlineHalfWidth : targetHalfWidth;
    }

    /** How many steps one sample times so that a sample of the stored step lasts at least {@code minSampleMillis}. */
    int stepsPerSample(double storedStepMillis) {
        if (!(storedStepMillis > 0)) {
            return 1;
        }
        return Math.max(1, (int) Math.ceil(minSampleMillis / storedStepMillis));
    }

    /** The recomputing modes of {@code rounds} whose screened ratio interval is still wider than its target. */
    List<Mode> undecided(RoundTimes rounds, String model) {
        List<Mode> open = new ArrayList<>();
        if (!rounds.modes().contains(Mode.STORED)) {
            return open;
        }
        for (Mode mode : rounds.modes()) {
            if (mode != Mode.STORED && !(rounds.halfWidth(mode) <= target(model, mode))) {
                open.add(mode);
            }
        }
        return open;
    }

    /**
     * How many rounds {@code mode} of {@code evidence} needs in all to reach its target: the
     * interval's half-width shrinks about as 1/√n, and a fifth more covers the estimate's own
     * scatter. With too few rounds for an interval, {@code firstRounds} more.
     */
    int roundsToDecide(RoundTimes evidence, String model, Mode mode) {
        int have = evidence.rounds(mode);
        double ratio = evidence.halfWidth(mode) / target(model, mode);
        return Double.isFinite(ratio) ? (int) Math.ceil(1.2 * have * ratio * ratio) : have + firstRounds;
    }

    /**
     * The rounds of the next fork: what the undecided modes of {@code evidence} still need (beyond
     * the rounds they have when {@code pooled}, i.e. when the next fork's samples will join them;
     * at least {@code firstRounds} when not), at least {@code minExtraRounds}, at most what
     * {@code affordable} rounds and {@code maxRounds} allow; 0 when nothing is undecided or fewer
     * than {@code minExtraRounds} fit.
     *
     * <p>A fork at most doubles the rounds it joins ({@code firstRounds} when it joins none): the
     * interval of a few rounds (of 6, the smallest to the largest ratio) overstates what is needed,
     * and the next fork estimates again from more. Without this cap RevNet-164's headline ratio
     * was given all 400 rounds at once from its first 6 and ended at ±0.2 % against a target of
     * ±3 %, 620 s of a 1,000 s allowance, while cheaper rows stayed undecided.
     */
    int nextRounds(RoundTimes evidence, boolean pooled, String model, int affordable) {
        return nextRounds(evidence, undecided(evidence, model), pooled, model, affordable);
    }

    /** As {@link #nextRounds(RoundTimes, boolean, String, int)}, for the undecided ones of {@code modes} alone. */
    int nextRounds(RoundTimes evidence, List<Mode> modes, boolean pooled, String model, int affordable) {
        List<Mode> open = undecided(evidence, model).stream().filter(modes::contains).toList();
        if (open.isEmpty()) {
            return 0;
        }
        int next = pooled ? minExtraRounds : Math.max(minExtraRounds, firstRounds);
        int most = 0;
        for (Mode mode : open) {
            int have = pooled ? evidence.rounds(mode) : 0;
            next = Math.max(next, roundsToDecide(evidence, model, mode) - have);
            most = Math.max(most, have);
        }
        int doubling = pooled ? Math.max(minExtraRounds, most) : Math.max(minExtraRounds, firstRounds);
        next = Math.min(Math.min(next, doubling), Math.min(affordable, maxRounds - most));
        return next >= minExtraRounds ? next : 0;
    }
}
