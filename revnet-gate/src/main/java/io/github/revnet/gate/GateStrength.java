package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.sessions.JqwikSession;
import org.bytedeco.pytorch.Tensor;

/**
 * How sharp the gate is: over generated cases, plants each {@link PlantedFault} in reversible and
 * checkpoint mode and records whether the gate's gradient checks, with the tolerances they derive
 * for that case, notice it. A fault that changes no gradient bit in a case (a zero gradient, a
 * path the case does not take) is counted as having no effect, not as a miss.
 */
public final class GateStrength {
    /** The modes whose backward recomputes, where the faults live. */
    public static final List<Mode> MODES = List.of(Mode.REVERSIBLE, Mode.CHECKPOINT);

    private GateStrength() {
    }

    /** The gate's checks that compare a mode's pass with stored mode's. */
    public enum Check {
        /** Every gradient tensor within its own tolerance. */
        TENSORS,
        /** The angle between the whole gradient vectors (reversible mode's property). */
        ANGLE,
        /** BatchNorm running statistics after the step. */
        RUNNING_STATISTICS
    }

    public enum Status {
        CAUGHT,
        MISSED,
        /** The fault changed no gradient or buffer bit in this case. */
        NO_EFFECT,
        /** The fault cannot exist in this case (no padding in a token stream; one block shares nothing). */
        NOT_APPLICABLE,
        /** A tolerance of this case exceeds the dtype's ceiling: the gate sets the case aside instead of passing it. */
        ILL_CONDITIONED
    }

    /** One fault in one mode of one case. */
    public record Outcome(PlantedFault fault, Mode mode, DType dtype, String family, Status status, Set<Check> caughtBy, String caseLabel) {
    }

    /** One gradient tensor of an intact pass: its error against stored mode and the tolerance's ingredients, for calibration. */
    public record TensorRecord(DType dtype, Mode mode, String family, int blocks, double error, double sensitivity, double spread,
            double tolerance) {
    }

    /** What one case gave: every fault's outcome, and the intact passes' tensors; {@code falseAlarms} lists checks the intact passes failed. */
    public record CaseResult(List<Outcome> outcomes, List<TensorRecord> tensors, List<String> falseAlarms) {
    }

    /** Plants {@code faults} in case {@code c} built under {@code seed}. */
    public static CaseResult measure(GateCase c, long seed, Collection<PlantedFault> faults) {
        List<Outcome> outcomes = new ArrayList<>();
        List<TensorRecord> tensors = new ArrayList<>();
        List<String> alarms = new ArrayList<>();
        Map<String, List<PlantedFault>> groups = new LinkedHashMap<>();
        for (PlantedFault f : faults) {
            Optional<String> why = f.applicability(c);
            if (why.isPresent()) {
                for (Mode m : MODES) {
                    outcomes.add(new Outcome(f, m, c.dtype(), c.family(), Status.NOT_APPLICABLE, Set.of(), c.toString()));
                }
                continue;
            }
            String group = f.needsSharedParameters() ? "shared" : f.needsRandomOps() ? "dropout" : "plain";
            groups.computeIfAbsent(group, k -> new ArrayList<>()).add(f);
        }
        for (Map.Entry<String, List<PlantedFault>> group : groups.entrySet()) {
            GateCase variant = group.getKey().equals("dropout") ? c.withDropout(Math.max(c.dropout(), 0.25)) : c;
            boolean shared = group.getKey().equals("shared");
            try (Harness h = new Harness(variant, seed, shared ? () -> PlantedFault.sharingF(variant.build()) : variant::build);
                    NativeScope scope = NativeScope.open()) {
                Harness.Pass stored;
                try {
                    stored = GateChecks.reproducibleStoredPass(h, seed);
                } catch (GateChecks.NotReproducible e) {
                    // Without a reproducible stored pass no fault can be judged: the intact case itself fails the gate.
                    alarms.add("refused the intact case: " + e.getMessage());
                    continue;
                }
                for (Mode mode : MODES) {
                    GateChecks.Derived derived = mode == Mode.REVERSIBLE ? GateChecks.reversibleTolerances(h, seed, stored)
                            : GateChecks.checkpointTolerances(h, seed, stored);
                    Harness.Pass intact = h.run(mode, seed);
                    List<Double> errors = GateChecks.gradientErrors(intact, stored);
                    for (int i = 0; i < errors.size(); i++) {
                        tensors.add(new TensorRecord(variant.dtype(), mode, variant.family() + (shared ? "+shared" : ""), variant.blocks(),
                                errors.get(i), derived.sensitivities()[i], derived.spreads()[i], derived.tolerances()[i]));
                    }
                    Set<Check> alarm = failedChecks(variant, mode, intact, stored, derived.tolerances());
                    if (!alarm.isEmpty()) {
                        alarms.add(mode + " " + alarm + " on the intact pass for " + variant);
                    }
                    boolean illConditioned = GateChecks.firstAboveCeiling(variant.dtype(), derived.tolerances()) >= 0;
                    for (PlantedFault f : group.getValue()) {
                        Harness.Pass faulty = f.run(h, mode, seed).orElseThrow();
                        Status status;
                        Set<Check> caught = Set.of();
                        if (GateChecks.worstGradientError(faulty, intact) == 0 && buffersWithin(faulty, intact, 0)) {
                            status = Status.NO_EFFECT;
                        } else if (illConditioned) {
                            status = Status.ILL_CONDITIONED;
                        } else {
                            caught = failedChecks(variant, mode, faulty, stored, derived.tolerances());
                            status = caught.isEmpty() ? Status.MISSED : Status.CAUGHT;
                        }
                        outcomes.add(new Outcome(f, mode, variant.dtype(), variant.family(), status, caught, variant.toString()));
                    }
                }
            }
        }
        return new CaseResult(outcomes, tensors, alarms);
    }

    /** The checks of the gate that {@code candidate} fails against {@code stored}; empty when it passes them all. */
    static Set<Check> failedChecks(GateCase c, Mode mode, Harness.Pass candidate, Harness.Pass stored, double[] tolerances) {
        Set<Check> failed = EnumSet.noneOf(Check.class);
        List<Double> errors = GateChecks.gradientErrors(candidate, stored);
        for (int i = 0; i < errors.size(); i++) {
            if (!(errors.get(i) <= tolerances[i])) {
                failed.add(Check.TENSORS);
            }
        }
        if (mode == Mode.REVERSIBLE) {
            double angle = GradientCheck.angleDegrees(candidate.gradients(), stored.gradients());
            if (!(angle <= GateChecks.angleBound(tolerances, stored))) {
                failed.add(Check.ANGLE);
            }
        }
        if (!buffersWithin(candidate, stored, Tolerances.floor(c.dtype(), c.blocks()))) {
            failed.add(Check.RUNNING_STATISTICS);
        }
        return failed;
    }

    private static boolean buffersWithin(Harness.Pass a, Harness.Pass b, double tolerance) {
        for (int i = 0; i < a.buffersAfter().size(); i++) {
            Tensor x = a.buffersAfter().get(i);
            Tensor y = b.buffersAfter().get(i);
            if (!(GradientCheck.relativeError(x, y) <= tolerance)) {
                return false;
            }
        }
        return true;
    }

    /** One line of the detection table: a fault in one dtype and mode over the campaign's cases. */
    public record Row(PlantedFault fault, DType dtype, Mode mode, int cases, int caught, int missed, int noEffect, int notApplicable,
            int illConditioned, Map<Check, Integer> caughtBy) {
        /** Caught over the cases in which the fault had an effect and the gate decided (not set aside as ill-conditioned). */
        public double rate() {
            return caught + missed == 0 ? Double.NaN : (double) caught / (caught + missed);
        }
    }

    /** The detection table over outcomes, one row per fault, dtype and mode that occurred. */
    public static List<Row> table(List<Outcome> outcomes) {
        Map<String, List<Outcome>> byRow = new LinkedHashMap<>();
        for (PlantedFault f : PlantedFault.values()) {
            for (DType d : DType.values()) {
                for (Mode m : MODES) {
                    byRow.put(f + "/" + d + "/" + m, new ArrayList<>());
                }
            }
        }
        for (Outcome o : outcomes) {
            byRow.get(o.fault() + "/" + o.dtype() + "/" + o.mode()).add(o);
        }
        List<Row> rows = new ArrayList<>();
        for (List<Outcome> group : byRow.values()) {
            if (group.isEmpty()) {
                continue;
            }
            Map<Status, Integer> counts = new EnumMap<>(Status.class);
            Map<Check, Integer> caughtBy = new EnumMap<>(Check.class);
            for (Outcome o : group) {
                counts.merge(o.status(), 1, Integer::sum);
                for (Check c : o.caughtBy()) {
                    caughtBy.merge(c, 1, Integer::sum);
                }
            }
            Outcome first = group.get(0);
            rows.add(new Row(first.fault(), first.dtype(), first.mode(), group.size(), counts.getOrDefault(Status.CAUGHT, 0),
                    counts.getOrDefault(Status.MISSED, 0), counts.getOrDefault(Status.NO_EFFECT, 0),
                    counts.getOrDefault(Status.NOT_APPLICABLE, 0), counts.getOrDefault(Status.ILL_CONDITIONED, 0), caughtBy));
        }
        return rows;
    }

    /** A campaign's results: every outcome, every intact tensor, every false alarm. */
    public record Campaign(List<Outcome> outcomes, List<TensorRecord> tensors, List<String> falseAlarms, int cases) {
        public List<Row> table() {
            return GateStrength.table(outcomes);
        }

        /** The outcomes the gate missed: a fault with an effect that every check passed. */
        public List<Outcome> misses() {
            return outcomes.stream().filter(o -> o.status() == Status.MISSED).toList();
        }

        /** The cases set aside as ill-conditioned, each once, in the order met. */
        public List<String> illConditioned() {
            return outcomes.stream().filter(o -> o.status() == Status.ILL_CONDITIONED).map(Outcome::caseLabel).distinct().toList();
        }
    }

    /**
     * Runs {@code count} cases drawn from {@code cases} with a generator seeded by {@code seed}
     * (the same seed gives the same cases), each case under its own seed, reporting each finished case to {@code progress}.
     */
    public static Campaign campaign(Arbitrary<GateCase> cases, int count, long seed, Collection<PlantedFault> faults,
            Consumer<String> progress) {
        Random random = new Random(seed);
        List<Outcome> outcomes = new ArrayList<>();
        List<TensorRecord> tensors = new ArrayList<>();
        List<String> alarms = new ArrayList<>();
        // Arbitraries generate inside a jqwik session; this one owns no property, only the generator's context.
        boolean ownSession = !JqwikSession.isActive();
        if (ownSession) {
            JqwikSession.start();
        }
        try {
            generate(cases.generator(1000), random, count, faults, progress, outcomes, tensors, alarms);
        } finally {
            if (ownSession) {
                JqwikSession.finish();
            }
        }
        return new Campaign(outcomes, tensors, alarms, count);
    }

    private static void generate(RandomGenerator<GateCase> generator, Random random, int count, Collection<PlantedFault> faults,
            Consumer<String> progress, List<Outcome> outcomes, List<TensorRecord> tensors, List<String> alarms) {
        for (int i = 0; i < count; i++) {
            GateCase c = generator.next(random).value();
            long caseSeed = random.nextLong();
            CaseResult r = measure(c, caseSeed, faults);
            outcomes.addAll(r.outcomes());
            tensors.addAll(r.tensors());
            alarms.addAll(r.falseAlarms());
            progress.accept((i + 1) + "/" + count + " " + c);
        }
    }
}
