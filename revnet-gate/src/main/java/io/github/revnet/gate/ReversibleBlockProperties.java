package io.github.revnet.gate;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Every gate property over a user's block, as jqwik properties with shrinking and reproducible
 * seeds. Extend it and say which block:
 *
 * <pre>{@code
 * class MyBlockGateProperties extends ReversibleBlockProperties {
 *     @Override
 *     protected BlockGate gate() {
 *         return BlockGate.of("my-block", BlockFactory.of(MyF::new, MyG::new), ShapeSpace.images(4, 8));
 *     }
 * }
 * }</pre>
 *
 * After the container, the {@link GateSummary} (cases per check and dtype, worst errors) is printed.
 */
public abstract class ReversibleBlockProperties {
    /** The gate under test; may be built on every call (its summary is shared by name). */
    protected abstract BlockGate gate();

    @Provide
    Arbitrary<GateCase> blockCases() {
        return gate().cases();
    }

    @Provide
    Arbitrary<GateCase> float64BlockCases() {
        return gate().float64Cases();
    }

    @Property
    void inverseOfForwardGivesBackTheInput(@ForAll("blockCases") GateCase c, @ForAll long seed) {
        gate().checkInverse(c, seed);
    }

    @Property
    void reversibleAndCheckpointGradientsEqualStoredGradientsForEveryTensor(@ForAll("blockCases") GateCase c, @ForAll long seed) {
        gate().checkGradients(c, seed);
    }

    @Property
    void gradientAngleBetweenModesStaysUnderTheDtypeBound(@ForAll("blockCases") GateCase c, @ForAll long seed) {
        gate().checkAngle(c, seed);
    }

    @Property
    void storedGradientMatchesCentralDifferences(@ForAll("float64BlockCases") GateCase c, @ForAll long seed) {
        gate().checkFiniteDifferences(c, seed);
    }

    @Property
    void runningStatisticsAfterOneStepAreTheSameInBothModes(@ForAll("blockCases") GateCase c, @ForAll long seed) {
        gate().checkRunningStatistics(c, seed);
    }

    @Property
    void recomputationReplaysRandomOpsExactly(@ForAll("float64BlockCases") GateCase c, @ForAll long seed) {
        gate().checkRandomReplay(c, seed);
    }

    @Property(tries = 8)
    void garbageCollectionChangesNoGradient(@ForAll("float64BlockCases") GateCase c, @ForAll long seed) {
        gate().checkLifetimes(c, seed);
    }

    @AfterContainer
    static void printSummary() {
        System.out.println(GateSummary.all());
    }
}
