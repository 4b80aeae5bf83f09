package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.revnet.core.Mode;
import io.github.revnet.core.profile.Phase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One configuration's timing as it grows fork by fork: the forks pooled so far, the steps per
 * sample, and what it has learnt of its cost. It proposes its next fork ({@link #next}); the
 * sweep decides which configuration's proposal runs ({@link #mostUrgent}).
 */
final class ConfigTiming {
    private final Sweep.Config config;
    private final RoundBudget budget;
    private final Fork first;
    private final List<Fork> pooled = new ArrayList<>();
    private final int steps;
    private RoundTimes evidence;
    private double overheadSeconds;

    /**
     * Starts from the configuration's first fork (one step per sample). When its stored step is
     * shorter than the budget's minimum sample time and a ratio is undecided, later forks time
     * several steps per sample and the first fork is only a pilot: its samples are not pooled.
     */
    ConfigTiming(Sweep.Config config, RoundBudget budget, Fork first) {
        this.config = config;
        this.budget = budget;
        this.first = first;
        int wanted = budget.stepsPerSample(MedianInterval.median(first.rounds().times(Mode.STORED)));
        boolean pilot = wanted > 1 && !budget.undecided(first.rounds(), config.model()).isEmpty();
        this.steps = pilot ? wanted : 1;
        if (!pilot) {
            pooled.add(first);
        }
        this.evidence = first.rounds();
        this.overheadSeconds = first.overheadSeconds();
    }

    Sweep.Config config() {
        return config;
    }

    int stepsPerSample() {
        return pooled.isEmpty() ? 1 : steps;
    }

    /** A fork this configuration asks for: its modes and rounds, what it costs, and what deciding every row would cost. */
    record Proposal(ConfigTiming timing, List<Mode> modes, int rounds, double seconds, double secondsToDecide, boolean headline) {
    }

    /**
     * The next fork, if a ratio is undecided and at least the budget's minimum number of extra
     * rounds fits in {@code secondsLeft}: stored mode and the undecided modes (all modes after a
     * pilot), as many rounds as they still need, or as fit.
     */
    Optional<Proposal> next(double secondsLeft) {
        List<Mode> open = budget.undecided(evidence, config.model());
        if (open.isEmpty()) {
            return Optional.empty();
        }
        boolean headline = budget.headline().contains(config.model()) && open.contains(Mode.REVERSIBLE) && !pooled.isEmpty();
        List<Mode> modes = new ArrayList<>(List.of(Mode.STORED));
        if (headline) {
            modes.add(Mode.REVERSIBLE); // the headline's priority is its reversible ratio; its other modes wait their turn
        } else {
            modes.addAll(pooled.isEmpty() ? config.modes().stream().filter(m -> m != Mode.STORED).toList() : open);
        }
        double roundSeconds = 0; // each mode's median step, times the steps of a sample
        for (Mode m : modes) {
            roundSeconds += steps * MedianInterval.median(evidence.times(m)) / 1e3;
        }
        double fixed = overheadSeconds + budget.warmupRounds() * roundSeconds;
        List<Mode> asked = modes.subList(1, modes.size());
        int rounds = budget.nextRounds(evidence, asked, !pooled.isEmpty(), config.model(), (int) Math.floor((secondsLeft - fixed) / roundSeconds));
        if (rounds == 0) {
            return Optional.empty();
        }
        int toDecide = budget.nextRounds(evidence, asked, !pooled.isEmpty(), config.model(), Integer.MAX_VALUE);
        return Optional.of(new Proposal(this, modes, rounds, fixed + rounds * roundSeconds, fixed + toDecide * roundSeconds, headline));
    }

    /**
     * Which proposal runs first: the headline model's (the figure the report is held to), then the
     * one cheapest to decide, so the allowance decides as many rows as it can.
     */
    static Optional<Proposal> mostUrgent(List<Proposal> proposals) {
        return proposals.stream().min(Comparator.comparing((Proposal p) -> !p.headline()).thenComparingDouble(Proposal::secondsToDecide));
    }

    /** Pools a fork run for {@link #next}'s proposal. */
    void add(Fork fork) {
        pooled.add(fork);
        overheadSeconds = fork.overheadSeconds();
        evidence = rounds();
    }

    /** The pooled rounds (the pilot's, when nothing else was timed). */
    RoundTimes rounds() {
        List<Fork> forks = pooled.isEmpty() ? List.of(first) : pooled;
        RoundTimes all = forks.get(0).rounds();
        for (Fork later : forks.subList(1, forks.size())) {
            all = all.plus(later.rounds());
        }
        return all;
    }

    /** One result per mode: step-time distribution, per-round ratios to stored mode, phase medians. */
    List<Result> results() {
        List<Fork> forks = pooled.isEmpty() ? List.of(first) : pooled;
        RoundTimes rounds = rounds();
        List<Mode> ran = new ArrayList<>();
        List<JsonNode> phases = new ArrayList<>();
        for (Fork f : forks) {
            ran.addAll(f.ran());
            phases.addAll(f.phases());
        }
        List<Result> results = new ArrayList<>();
        for (Mode mode : config.modes()) {
            double[] times = rounds.times(mode);
            List<JsonNode> mine = new ArrayList<>();
            for (int i = 0; i < ran.size(); i++) {
                if (ran.get(i) == mode) {
                    mine.add(phases.get(i));
                }
            }
            Map<String, Double> phaseMedians = new LinkedHashMap<>();
            for (Phase p : Phase.values()) {
                phaseMedians.put(p.label(), median(mine, p));
            }
            Double forward = null;
            Double backward = null;
            if (mode == Mode.STORED) {
                forward = MedianInterval.median(mine.stream().mapToDouble(n -> phase(n, Phase.FORWARD_GRAPH) + phase(n, Phase.LOSS)).toArray());
                backward = phaseMedians.get(Phase.BACKWARD.label());
            }
            Result.Paired paired = mode == Mode.STORED || !config.modes().contains(Mode.STORED) ? null
                    : new Result.Paired(rounds.ratios(mode), rounds.screen(mode).excluded(), rounds.ratio(mode), budget.target(config.model(),
                            mode));
            results.add(new Result(config.model(), mode, config.batch(), config.dtype(), config.blocks(), new Result.Timing(MedianInterval
                    .median(times), Arrays.stream(times).min().orElse(Double.NaN), Arrays.stream(times).max().orElse(Double.NaN), times.length,
                    stepsPerSample()), paired, phaseMedians, forward, backward, null, null, null));
        }
        return results;
    }

    private static double phase(JsonNode line, Phase p) {
        return line.get("phases_ms").get(p.label()).asDouble();
    }

    private static double median(List<JsonNode> lines, Phase p) {
        return MedianInterval.median(lines.stream().mapToDouble(n -> phase(n, p)).toArray());
    }
}
