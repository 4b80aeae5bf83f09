package io.github.revnet.core.training;

import io.github.revnet.core.DType;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.data.InstalledDataset;
import io.github.revnet.core.training.LearningRateSchedule;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTrainingTest {
    // revnet-38 in float64 costs about 18 s a step on 2 cores (float64 convolutions), so it trains one short epoch of 10
    // steps; revvit-tiny costs under a second a step and needs 20 for its loss to fall by 10 %.
    @ParameterizedTest(name = "{0}, {1} steps")
    @CsvSource({"revnet-38, 10", "revvit-tiny, 20"})
    void onRealImagesTheLossFallsAndBothModesAgreeStepByStep(String model, int steps) throws Exception {
        InstalledDataset.requireFashionMnist();
        FashionMnist data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        // float64, so agreement can be asserted at the gate's 1e-10: steps of batch 16 over as many real images as one
        // epoch takes.
        var options = new TrainingComparison.Options(model, steps, 16, 3, 0.05, LearningRateSchedule.CONSTANT,
                steps / 2, 16 * steps, 100, DType.FLOAT64);
        TrainingComparison.Outcome o = TrainingComparison.run(data, options, line -> { });
        List<TrainingComparison.Point> curve = o.curve();
        assertEquals(steps, curve.size());
        for (TrainingComparison.Point p : curve) {
            double diff = Math.abs(p.storedLoss() - p.reversibleLoss()) / Math.abs(p.storedLoss());
            assertTrue(diff <= 1e-10, "step " + p.step() + ": stored " + p.storedLoss() + " vs reversible " + p.reversibleLoss());
        }
        // Every batch is new, so compare the mean loss of the first and last quarter of the steps.
        int quarter = steps / 4;
        double first = curve.subList(0, quarter).stream().mapToDouble(TrainingComparison.Point::storedLoss).average().orElseThrow();
        double last = curve.subList(steps - quarter, steps).stream().mapToDouble(TrainingComparison.Point::storedLoss).average().orElseThrow();
        assertTrue(last < 0.9 * first, "mean loss must fall by more than 10% over one epoch: " + first + " -> " + last);
        assertEquals(3, curve.stream().filter(p -> p.gradAngleDegrees() != null).count(), "angles sampled at the first, middle and last step");
        assertTrue(o.maxGradAngleDegrees() < 1e-6, "float64 gradient angle " + o.maxGradAngleDegrees());
        assertTrue(o.stored().testAccuracy() >= 0 && o.stored().testAccuracy() <= 1);
    }
}
