package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One model's training step, phase by phase, in each mode: rounds that interleave the modes as
 * the report's timing does, each mode stepping once without the clock (the step time) and once
 * with it (the phases), so the phases can be held against a step the clock did not touch.
 */
public final class StepProfile {
    private StepProfile() {
    }

    /** What to profile. */
    public record Options(String model, int batch, int imageSize, DType dtype, Precision precision, List<Mode> modes, int warmupRounds,
            int rounds) {
        public Options {
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            }
            if (rounds < 6) {
                throw new IllegalArgumentException("rounds must be >= 6 (fewer give no 95% interval), got " + rounds);
            }
            if (warmupRounds < 0) {
                throw new IllegalArgumentException("warm-up rounds must be >= 0, got " + warmupRounds);
            }
            if (modes.isEmpty() || !modes.contains(Mode.STORED)) {
                throw new IllegalArgumentException("modes must include stored (the reference of every ratio), got " + modes);
            }
        }
    }

    /** One mode's figures: step time (unclocked), the clocked step's total, and each phase's median, all in ms. */
    public record ModeProfile(Mode mode, MedianInterval stepMs, MedianInterval ratioToStored, double clockedTotalMs,
            Map<Phase, Double> phaseMs) {
        public double phaseSumMs() {
            return phaseMs.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** Every mode's profile, and stored mode's k = backward / forward. */
    public record Outcome(Options options, List<ModeProfile> modes, double k) {
        public ModeProfile of(Mode mode) {
            return modes.stream().filter(m -> m.mode() == mode).findFirst().orElseThrow();
        }
    }

    public static Outcome run(Options options, Consumer<String> progress) {
        List<Mode> modes = options.modes();
        List<Mode> ran = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        Map<Mode, List<PhaseClock.Breakdown>> clocked = new LinkedHashMap<>();
        options.modes().forEach(m -> clocked.put(m, new ArrayList<>()));
        try (StepRig rig = new StepRig(options.model(), options.dtype(), options.precision(), options.batch(), options.imageSize())) {
            int m = options.modes().size();
            for (int round = 0; round < options.warmupRounds() + options.rounds(); round++) {
                boolean warm = round >= options.warmupRounds();
                StringBuilder line = new StringBuilder();
                for (int position = 0; position < m; position++) {
                    Mode mode = options.modes().get(RoundState.modeAt(round * m + position, m));
                    long start = System.nanoTime();
                    rig.trainer.step(rig.images, rig.labels, mode);
                    double ms = (System.nanoTime() - start) / 1e6;
                    PhaseClock.Breakdown b = PhaseClock.measure(() -> rig.trainer.step(rig.images, rig.labels, mode));
                    if (warm) {
                        ran.add(mode);
                        plain.add(ms);
                        clocked.get(mode).add(b);
                        line.append(line.length() == 0 ? ": " : ", ").append(String.format("%s %.1f ms", mode.label(), ms));
                    }
                }
                progress.accept(String.format("%s round %d/%d%s", warm ? "measured" : "warm-up", warm ? round - options.warmupRounds() + 1
                        : round + 1, warm ? options.rounds() : options.warmupRounds(), line));
            }
        }
        RoundTimes rounds = RoundTimes.of(modes, ran, plain);
        List<ModeProfile> profiles = new ArrayList<>();
        for (Mode mode : options.modes()) {
            List<PhaseClock.Breakdown> bs = clocked.get(mode);
            Map<Phase, Double> phases = new LinkedHashMap<>();
            for (Phase p : Phase.values()) {
                phases.put(p, MedianInterval.median(bs.stream().mapToDouble(b -> b.millis(p)).toArray()));
            }
            profiles.add(new ModeProfile(mode, MedianInterval.of(rounds.times(mode), 0.95), MedianInterval.of(rounds.ratios(
                    mode), 0.95), MedianInterval.median(bs.stream().mapToDouble(PhaseClock.Breakdown::totalMillis).toArray()),
                    phases));
        }
        double k = MedianInterval.median(clocked.get(Mode.STORED).stream().mapToDouble(PhaseClock.Breakdown::backwardOverForward).toArray());
        return new Outcome(options, profiles, k);
    }

    /** The breakdown as a text table, one column per mode. */
    public static String table(Outcome o) {
        StringBuilder sb = new StringBuilder(String.format("%-62s", "phase (median ms)"));
        for (ModeProfile m : o.modes()) {
            sb.append(String.format("%14s", m.mode().label()));
        }
        sb.append('\n');
        for (Phase p : Phase.values()) {
            sb.append(String.format("%-62s", p.description()));
            for (ModeProfile m : o.modes()) {
                sb.append(String.format("%14.2f", m.phaseMs().get(p)));
            }
            sb.append('\n');
        }
        row(sb, "sum of the phase medians", o, ModeProfile::phaseSumMs, "%14.2f");
        row(sb, "clocked step (median)", o, ModeProfile::clockedTotalMs, "%14.2f");
        row(sb, "step without the clock (median)", o, m -> m.stepMs().median(), "%14.2f");
        row(sb, "sum / step without the clock", o, m -> m.phaseSumMs() / m.stepMs().median(), "%14.3f");
        row(sb, "step / stored step (median of rounds)", o, m -> m.ratioToStored().median(), "%14.3f");
        sb.append(String.format("%-62s", "  95% interval"));
        for (ModeProfile m : o.modes()) {
            sb.append(String.format("%14s", String.format("%.3f-%.3f", m.ratioToStored().low(), m.ratioToStored().high())));
        }
        sb.append('\n');
        sb.append(String.format("k = backward / forward (stored) = %.3f, bound (2 + k)/(1 + k) = %.3f%n", o.k(), (2 + o.k()) / (1 + o.k())));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Outcome o, java.util.function.ToDoubleFunction<ModeProfile> f, String format) {
        sb.append(String.format("%-62s", name));
        for (ModeProfile m : o.modes()) {
            sb.append(String.format(format, f.applyAsDouble(m)));
        }
        sb.append('\n');
    }
}
