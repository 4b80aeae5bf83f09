package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.Plan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Chooses, for every reversible stack of a model, stored, checkpoint or reversible mode so that
 * the measured step time is least under a memory budget. Every plan (3^stacks) is measured: its
 * peak activation memory by the meter ({@link MemoryProbe}: the plans in turn, in a process of their own),
 * its step time in rounds that interleave the plans. The choice is then run once more in a fresh
 * process, whose measured peak is what the budget is held against.
 */
public final class MemoryPlanner {
    private MemoryPlanner() {
    }

    /** What to plan for. */
    public record Options(String model, int batch, int imageSize, DType dtype, Precision precision, long budgetBytes, int rounds,
            int threads) {
        /** Options under the fp32 policy. */
        public Options(String model, int batch, int imageSize, DType dtype, long budgetBytes, int rounds, int threads) {
            this(model, batch, imageSize, dtype, Precision.FP32, budgetBytes, rounds, threads);
        }

        public Options {
            java.util.Objects.requireNonNull(precision, "precision").requireCompatible(dtype);
            if (budgetBytes <= 0) {
                throw new IllegalArgumentException("budget must be positive, got " + budgetBytes + " bytes");
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            }
        }
    }

    /** One plan's measured cost; {@code paretoOptimal} when no other plan is both faster and lighter. */
    public record Candidate(Plan plan, double stepMs, long peakBytes, boolean paretoOptimal) {
    }

    /** Every plan of a model measured, without a budget: the report's Pareto front. */
    public record Front(Options options, List<Candidate> candidates) {
    }

    /** Every plan measured, the one chosen, and the chosen plan's peak measured again in a fresh process. */
    public record Outcome(Options options, List<Candidate> candidates, Candidate chosen, long verifiedPeakBytes) {
        public boolean meetsBudget() {
            return verifiedPeakBytes <= options.budgetBytes();
        }
    }

    /**
     * Every plan of {@code o.model()} with its measured peak and step time, the Pareto front marked;
     * refuses a budget below the lightest plan's peak before timing anything.
     */
    public static List<Candidate> measure(Options o, Consumer<String> progress) throws IOException, InterruptedException {
        int stacks;
        try (Model model = Model.create(o.model(), ModelOptions.defaults().dtype(o.dtype()).precision(o.precision()))) {
            stacks = model.network().reversibleStacks().size();
        }
        if (stacks == 0) {
            throw new IllegalArgumentException(o.model() + " has no reversible stacks: there is nothing to plan");
        }
        List<Plan> plans = Plan.all(stacks);
        progress.accept(String.format("%s has %d reversible stacks: %d plans; measuring their peak memory", o.model(), stacks,
                plans.size()));
        Map<Plan, Long> peaks = peaks(o, plans);
        long least = peaks.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        if (least > o.budgetBytes()) {
            Plan lightest = plans.stream().min(Comparator.comparingLong(p -> peaks.get(p))).orElseThrow();
            throw new IllegalArgumentException(String.format("budget %s is below the lightest plan's measured peak: %s needs at least %s"
                    + " (plan %s)", ByteSize.mib(o.budgetBytes()), o.model(), ByteSize.mib(least), lightest));
        }
        progress.accept(String.format("timing the %d plans in %d interleaved rounds", plans.size(), o.rounds()));
        return pareto(plans, times(o, plans, progress), peaks);
    }

    public static Outcome run(Options o, Consumer<String> progress) throws IOException, InterruptedException {
        List<Candidate> candidates = measure(o, progress);
        // The budget is held against a fresh process's reading; a plan planned just under the budget can read over it there
        // (a transient allocation of the JVM can land in one reading), so the next fastest plan that fits is tried, up to three times.
        List<Candidate> fitting = fastestFirstWithin(candidates, o.budgetBytes());
        Candidate chosen = fitting.get(0);
        long verified = 0;
        for (int attempt = 0; attempt < Math.min(3, fitting.size()); attempt++) {
            chosen = fitting.get(attempt);
            progress.accept("running plan " + chosen.plan() + " in a fresh process to measure its peak against the budget");
            verified = measuredPeak(o, chosen.plan());
            if (verified <= o.budgetBytes()) {
                break;
            }
            progress.accept(String.format("  %s read %s there, over the budget: trying the next fastest plan", chosen.plan(), ByteSize.mib(verified)));
        }
        return new Outcome(o, candidates, chosen, verified);
    }

    /** {@code plan}'s peak activation memory, measured in a fresh process. */
    static long measuredPeak(Options o, Plan plan) throws IOException, InterruptedException {
        return peaks(o, List.of(plan)).get(plan);
    }

    /** Marks the plans no other plan beats in both time and memory. */
    static List<Candidate> pareto(List<Plan> plans, Map<Plan, Double> times, Map<Plan, Long> peaks) {
        List<Candidate> out = new ArrayList<>();
        for (Plan p : plans) {
            double t = times.get(p);
            long m = peaks.get(p);
            boolean dominated = plans.stream().anyMatch(q -> {
                double tq = times.get(q);
                long mq = peaks.get(q);
                return tq <= t && mq <= m && (tq < t || mq < m);
            });
            out.add(new Candidate(p, t, m, !dominated));
        }
        return out;
    }

    /** The fastest plan whose measured peak fits the budget. */
    static Candidate choose(List<Candidate> candidates, long budgetBytes) {
        return fastestFirstWithin(candidates, budgetBytes).get(0);
    }

    /** The plans whose measured peak fits the budget, fastest first: the choice, then the fallbacks if it reads over. */
    static List<Candidate> fastestFirstWithin(List<Candidate> candidates, long budgetBytes) {
        List<Candidate> fitting = candidates.stream().filter(c -> c.peakBytes() <= budgetBytes)
                .sorted(Comparator.comparingDouble(Candidate::stepMs)).toList();
        if (fitting.isEmpty()) {
            throw new IllegalArgumentException("no plan fits " + ByteSize.mib(budgetBytes));
        }
        return fitting;
    }

    /** Each plan's peak, measured one after another in one probe process (the malloc counter makes that exact). */
    private static Map<Plan, Long> peaks(Options o, List<Plan> plans) throws IOException, InterruptedException {
        Map<Plan, Long> peaks = new HashMap<>();
        List<JsonNode> readings = Probes.memory(o.model(), o.batch(), o.dtype(), o.precision(),
                o.imageSize(), o.threads(), plans.stream().map(Plan::label).toList());
        for (int k = 0; k < plans.size(); k++) {
            peaks.put(plans.get(k), readings.get(k).get("peak_activation_bytes").asLong());
        }
        return peaks;
    }

    /** Median step time per plan over {@code rounds} rounds, each stepping every plan once in a rotated order, after one warm-up round. */
    private static Map<Plan, Double> times(Options o, List<Plan> plans, Consumer<String> progress) {
        Map<Plan, List<Double>> samples = new HashMap<>();
        try (StepRig rig = new StepRig(o.model(), o.dtype(), o.precision(), o.batch(), o.imageSize())) {
            int n = plans.size();
            for (int round = 0; round <= o.rounds(); round++) {
                for (int i = 0; i < n; i++) {
                    Plan plan = plans.get(RoundState.modeAt(round * n + i, n));
                    long start = System.nanoTime();
                    rig.trainer.step(rig.images, rig.labels, plan);
                    if (round > 0) {
                        samples.computeIfAbsent(plan, k -> new ArrayList<>()).add((System.nanoTime() - start) / 1e6);
                    }
                }
                progress.accept(round == 0 ? "warm-up round done" : "round " + round + "/" + o.rounds() + " done");
            }
        }
        Map<Plan, Double> medians = new HashMap<>();
        samples.forEach((plan, xs) -> medians.put(plan, MedianInterval.median(xs.stream().mapToDouble(Double::doubleValue).toArray())));
        return medians;
    }

}
