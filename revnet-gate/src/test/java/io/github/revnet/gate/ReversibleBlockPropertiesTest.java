package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualFunction;
import io.github.revnet.core.reversible.Coupling;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library's jqwik container run as a user would run it, on an intact block and on a broken one. */
class ReversibleBlockPropertiesTest {
    static Layer residual(BlockSpec spec) {
        return new ResidualFunction(FunctionOptions.of(1, 1).batchNorm(true).dropout(spec.dropout())
                .withChannels(spec.halfChannels(), spec.functionChannels(), 1));
    }

    /** Pre-activation residual functions from the core, both couplings, with dropout that the stack's stream replays. */
    public static final class IntactBlockProperties extends ReversibleBlockProperties {
        @Override
        protected BlockGate gate() {
            return BlockGate.of("intact-residual", BlockFactory.of(ReversibleBlockPropertiesTest::residual, ReversibleBlockPropertiesTest::residual),
                    ShapeSpace.images(2, 4, 6).height(1, 4).width(1, 4)).couplings(Coupling.ADDITIVE, Coupling.AFFINE).dropouts(0.0, 0.25)
                    .depths(1, 3);
        }
    }

    /** The same block whose F adds dropout from LibTorch's default generator: recomputation draws other masks. */
    public static final class UnreplayedDropoutProperties extends ReversibleBlockProperties {
        @Override
        protected BlockGate gate() {
            return BlockGate.of("unreplayed-dropout", BlockFactory.of(spec -> new BrokenVariants.UnreplayedDropout(residual(spec), 0.3),
                    ReversibleBlockPropertiesTest::residual), ShapeSpace.images(4, 8).height(1, 4).width(1, 4)).depths(1, 3);
        }
    }

    @Test
    void anIntactBlockPassesEveryPropertyAndTheSummaryCountsItsCases() {
        GateRunner.Result result = GateRunner.run(IntactBlockProperties.class, 12, line -> { });
        assertTrue(result.passed(), () -> result.failures().toString());
        assertEquals(7, result.properties());
        assertTrue(result.outcomes().stream().allMatch(o -> o.passed() && o.message() == null), result.outcomes().toString());
        GateSummary summary = GateSummary.of("intact-residual");
        // A case whose tolerance would exceed the ceiling is set aside, neither passed nor failed; every case is one or the other.
        long decided = 0;
        for (DType dtype : DType.values()) {
            decided += summary.passed("reversible gradients (max rel error)", dtype) + summary.setAside("reversible gradients (max rel error)", dtype);
        }
        assertEquals(12, decided, summary.toString());
        assertEquals(12, summary.passed("random replay (max rel error)", DType.FLOAT64)
                + summary.setAside("random replay (max rel error)", DType.FLOAT64), summary.toString());
        assertEquals(12, summary.passed("finite differences", io.github.revnet.core.DType.FLOAT64), summary.toString());
    }

    @Test
    void aBlockWhoseDropoutIsNotReplayedFailsWithAShrunkReproducibleSample() {
        GateRunner.Result result = GateRunner.run(UnreplayedDropoutProperties.class, 12, line -> { });
        assertFalse(result.passed(), "the broken block passed every property");
        GateRunner.Failure failure = result.failures().stream()
                .filter(f -> f.property().equals("reversibleAndCheckpointGradientsEqualStoredGradientsForEveryTensor")).findFirst()
                .orElseThrow(() -> new AssertionError("gradient agreement did not fail: " + result.failures()));
        assertTrue(failure.message().contains("stack's stream does not replay"), failure.message());
        assertTrue(failure.report().contains("Shrunk Sample"), failure.report());
        assertTrue(failure.report().contains("seed = "), failure.report());
        GateRunner.PropertyOutcome outcome = result.outcomes().stream().filter(o -> o.property().equals(failure.property())).findFirst()
                .orElseThrow();
        assertFalse(outcome.passed());
        assertTrue(outcome.seed() != null && outcome.report().contains("seed = " + outcome.seed()), outcome.toString());
        assertTrue(outcome.tries() >= 1 && outcome.checks() >= 1, outcome.toString());
        assertTrue(!outcome.sample().isEmpty() && outcome.sample().stream().anyMatch(p -> p.contains(":")), outcome.toString());
        GateRunner.Failure angle = result.failures().stream().filter(f -> f.property().equals("gradientAngleBetweenModesStaysUnderTheDtypeBound"))
                .findFirst().orElseThrow(() -> new AssertionError("the angle property passed a block whose dropout is not replayed"));
        assertTrue(angle.message().contains("stack's stream does not replay"), angle.message());
    }
}
