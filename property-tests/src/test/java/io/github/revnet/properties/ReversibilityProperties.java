package io.github.revnet.properties;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** Properties 1, 2, 4, 5 and 6 of the gate: inverse, gradient agreement, angle, BatchNorm, dropout. */
class ReversibilityProperties {
    @Provide
    Arbitrary<StackConfig> stacks() {
        return Generators.stacks();
    }

    @Provide
    Arbitrary<StackConfig> float64Stacks() {
        return Generators.float64Stacks();
    }

    private static void collect(StackConfig c) {
        Statistics.label("dtype").collect(c.dtype().label());
        Statistics.label("coupling").collect(c.coupling().label());
        Statistics.label("function").collect(c.kind().name().toLowerCase());
        Statistics.label("depth").collect(c.blocks() <= 3 ? "1-3" : c.blocks() <= 6 ? "4-6" : "7-12");
        Statistics.label("layout").collect(c.layout().name().toLowerCase());
        Statistics.label("batch norm / dropout").collect(c.batchNorm(), c.dropout() > 0);
        Statistics.label("input requires grad").collect(c.inputRequiresGrad());
    }

    private static String magnitude(double value) {
        return value == 0 ? "0" : String.format("1e%+03d", (int) Math.floor(Math.log10(value)));
    }

    @Property
    void inverseOfForwardGivesBackTheInputForStacksAndSingleBlocks(@ForAll("stacks") StackConfig c, @ForAll long seed) {
        collect(c);
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            Checks.inverseHolds(h);
        }
        try (Harness single = new Harness(c.singleBlock(), seed); NativeScope scope = NativeScope.open()) {
            Checks.inverseHolds(single);
        }
    }

    @Property
    void reversibleGradientsEqualStoredGradientsForEveryTensor(@ForAll("stacks") StackConfig c, @ForAll long seed) {
        collect(c);
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            double worst = Checks.gradientsAgree(h, seed ^ 0x5DEECE66DL);
            Statistics.label("worst relative gradient error, " + c.dtype().label()).collect(magnitude(worst));
        }
    }

    @Property
    void gradientAngleBetweenModesStaysUnderTheDtypeBound(@ForAll("stacks") StackConfig c, @ForAll long seed) {
        try (Harness h = new Harness(c, seed); NativeScope scope = NativeScope.open()) {
            double angle = Checks.gradientAngleAgrees(h, seed);
            Statistics.label("angle (degrees), " + c.dtype().label()).collect(magnitude(angle));
        }
    }

    @Property
    void runningStatisticsAfterOneStepAreTheSameInBothModes(@ForAll("stacks") StackConfig c, @ForAll long seed) {
        StackConfig withNorm = c.withBatchNorm();
        if (withNorm.batch() * withNorm.height() * withNorm.width() < 2 || !Generators.wellConditionedInFloat32(withNorm)) {
            return;
        }
        try (Harness h = new Harness(withNorm, seed); NativeScope scope = NativeScope.open()) {
            Checks.runningStatsAgree(h, seed);
        }
    }

    @Property
    void recomputationReproducesDropoutMasksExactly(@ForAll("float64Stacks") StackConfig c, @ForAll long seed) {
        try (Harness h = new Harness(c.withDropout(0.4), seed); NativeScope scope = NativeScope.open()) {
            Checks.gradientsAgree(h, seed);
        }
    }
}
