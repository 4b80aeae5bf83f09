package io.github.revnet.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.distributed.DistributedFault;
import io.github.revnet.core.distributed.GradientBuckets;
import io.github.revnet.core.distributed.LaunchEnvironment;
import io.github.revnet.core.distributed.ProcessGroup;
import io.github.revnet.core.reversible.Safeguards;
import io.github.revnet.gate.GateCase;
import io.github.revnet.gate.Generators;
import io.github.revnet.gate.Harness;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Data parallelism over generated stacks of both families: 2 or 3 ranks, here threads of one JVM, each with its own
 * Gloo process group over loopback (the same c10d code as separate processes, at a fraction of the start-up). Each rank
 * takes rank 0's weights, backpropagates its own shard (its own input and loss weights, its own dropout stream) in
 * reversible or checkpoint mode, and averages the gradients over the ranks. The result must be, on every rank, the mean
 * of the shards' gradients computed one after another in one thread, in the same mode: the ranks may differ from one
 * process only in the order the allreduce sums. The planted faults of data-parallel training must all be caught.
 */
class DistributedProperties {
    /** Summation order alone moves a float64 mean by a few ulps; anything the faults plant is of order one. */
    private static final double SAME = 1e-12;

    @Provide
    Arbitrary<GateCase> float64Stacks() {
        return Generators.float64GateCases();
    }

    @Provide
    Arbitrary<Mode> recomputingModes() {
        return Arbitraries.of(Mode.REVERSIBLE, Mode.CHECKPOINT);
    }

    @Property(tries = 20)
    void everyRanksAveragedGradientsAreTheMeanOfTheShardsGradients(@ForAll("float64Stacks") GateCase c,
            @ForAll @IntRange(min = 2, max = 3) int ranks, @ForAll("recomputingModes") Mode mode, @ForAll long seed) throws Exception {
        Statistics.collect(ranks + " ranks", mode.label(), c.family(), c.dropout() > 0 ? "dropout" : "no dropout");
        Step step = worstError(c, ranks, mode, seed, DistributedFault.NONE);
        double worst = step.worst();
        Statistics.label("shards").collect(step.shardsDiffer() ? "their gradients differ" : "the same gradients (degenerate case)");
        Statistics.label("worst relative error").collect(worst == 0 ? "0 (bit for bit)" : String.format("1e%d", (int) Math.floor(Math.log10(worst))));
        assertTrue(worst <= SAME, ranks + " ranks, " + mode.label() + ": averaged gradients off the one-thread mean by " + worst);
    }

    /** Every fault on every generated case: a fault drawn at random can go unsampled in a CI-sized run. */
    @Property(tries = 8)
    void everyPlantedFaultOfDataParallelTrainingIsCaught(@ForAll("float64Stacks") GateCase generated,
            @ForAll @IntRange(min = 2, max = 3) int ranks, @ForAll long seed) throws Exception {
        for (DistributedFault fault : DistributedFault.values()) {
            if (fault == DistributedFault.NONE) {
                continue;
            }
            // A broken dropout replay has an effect only where there is dropout to replay.
            GateCase c = fault == DistributedFault.BROKEN_DROPOUT_REPLAY_ON_RANK_1 ? generated.withDropout(0.3) : generated;
            Step step = worstError(c, ranks, Mode.REVERSIBLE, seed, fault);
            if (!step.shardsDiffer()) {
                // Where every shard gives the same gradient of the parameter a fault singles out (a BatchNorm over one
                // value per channel outputs 0 whatever its weights), a rank's own gradient is the mean: nothing to catch.
                Statistics.label(fault.name()).collect("no effect");
                continue;
            }
            Statistics.label(fault.name()).collect(step.worst() > 1e-6 ? "caught" : "missed");
            assertTrue(step.worst() > 1e-6, fault + " on " + ranks + " ranks went unnoticed: worst relative error " + step.worst());
        }
    }

    /**
     * A step's verdict: the worst relative error over ranks and parameter tensors, and whether the shards' gradients of
     * the first parameter (the one a fault singles out) differ at all.
     */
    private record Step(double worst, boolean shardsDiffer) {
    }

    /** One data-parallel step of {@code c} on {@code ranks} threads with {@code fault} planted, against the one-thread mean. */
    private static Step worstError(GateCase c, int ranks, Mode mode, long seed, DistributedFault fault) throws Exception {
        List<Harness> harnesses = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            // Built one after another: each seeds LibTorch's global generator. Rank r's shard is its own input and loss
            // weights; its weights are replaced by rank 0's in the step.
            for (int r = 0; r < ranks; r++) {
                harnesses.add(new Harness(c, seed + r));
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            List<Future<List<Tensor>>> steps = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                steps.add(pool.submit(() -> step(harnesses.get(rank), new LaunchEnvironment(rank, ranks, rank, "127.0.0.1", port), mode,
                        seed + 100 + rank, fault)));
            }
            List<List<Tensor>> averaged = new ArrayList<>();
            for (Future<List<Tensor>> f : steps) {
                averaged.add(f.get(120, TimeUnit.SECONDS));
            }
            // The reference: every shard's gradients at rank 0's weights, one after another, intact, then their mean.
            List<Tensor> mean = null;
            List<Tensor> firstParameter = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                List<Tensor> g = parameterGradients(harnesses.get(r), harnesses.get(r).run(mode, seed + 100 + r));
                firstParameter.add(g.get(0));
                if (mean == null) {
                    mean = new ArrayList<>(g);
                } else {
                    for (int i = 0; i < g.size(); i++) {
                        mean.set(i, mean.get(i).add(g.get(i)));
                    }
                }
            }
            double worst = 0;
            for (List<Tensor> mine : averaged) {
                for (int i = 0; i < mine.size(); i++) {
                    worst = Math.max(worst, GradientCheck.relativeError(mine.get(i), mean.get(i).div(new Scalar(ranks))));
                }
            }
            return new Step(worst, GradientCheck.relativeError(firstParameter.get(1), firstParameter.get(0)) > 1e-6);
        } finally {
            pool.shutdownNow();
            harnesses.forEach(Harness::close);
        }
    }

    /** One rank's step: rank 0's weights, its shard backpropagated, the gradients averaged (with the fault); returns them. */
    private static List<Tensor> step(Harness h, LaunchEnvironment env, Mode mode, long dropoutSeed, DistributedFault fault) {
        try (ProcessGroup group = ProcessGroup.join(env, Duration.ofSeconds(60))) {
            Map<String, Tensor> parameters = h.stack().namedParameters();
            group.broadcastFromRankZero(parameters);
            boolean brokenReplay = fault == DistributedFault.BROKEN_DROPOUT_REPLAY_ON_RANK_1 && env.rank() == 1;
            if (brokenReplay) {
                h.stack().safeguards(Safeguards.ON.withoutRandomStateRestore());
            }
            if (fault == DistributedFault.NONE) {
                // Intact: averaged as training averages them, while the backward runs; 1 KiB buckets make several of them.
                GradientBuckets.averageDuring(group, parameters, 1024, () -> h.run(mode, dropoutSeed));
            } else {
                h.run(mode, dropoutSeed);
                h.stack().safeguards(Safeguards.ON);
                fault.averageGradients(group, parameters);
            }
            return parameters.values().stream().map(p -> p.grad().clone()).toList();
        }
    }

    /** A pass's parameter gradients, without the input's. */
    private static List<Tensor> parameterGradients(Harness h, Harness.Pass pass) {
        return pass.gradients().subList(0, h.stack().namedParameters().size());
    }
}
