package io.github.revnet.core.training;

import io.github.revnet.core.DType;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.data.InstalledDataset;
import io.github.revnet.core.training.LearningRateSchedule;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTrainingTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"revnet-38", "revvit-tiny"})
    void onRealImagesTheLossFallsAndBothModesAgreeStepByStep(String model) throws Exception {
        InstalledDataset.requireFashionMnist();
        FashionMnist data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        // float64, so agreement can be asserted at the gate's 1e-10 (float64 convolutions are slow on
        // CPU, so the run is short): 10 steps of batch 16 over 160 real images, one epoch.
        var options = new TrainingComparison.Options(model, 10, 16, 3, 0.05, LearningRateSchedule.CONSTANT,
                5, 160, 100, DType.FLOAT64);
        TrainingComparison.Outcome o = TrainingComparison.run(data, options, line -> { });
        List<TrainingComparison.Point> curve = o.curve();
        assertEquals(10, curve.size());
        for (TrainingComparison.Point p : curve) {
            double diff = Math.abs(p.storedLoss() - p.reversibleLoss()) / Math.abs(p.storedLoss());
            assertTrue(diff <= 1e-10, "step " + p.step() + ": stored " + p.storedLoss() + " vs reversible " + p.reversibleLoss());
        }
        // Every batch is new, so compare the mean loss of the first and last three steps.
        double first = curve.subList(0, 3).stream().mapToDouble(TrainingComparison.Point::storedLoss).average().orElseThrow();
        double last = curve.subList(7, 10).stream().mapToDouble(TrainingComparison.Point::storedLoss).average().orElseThrow();
        assertTrue(last < 0.9 * first, "mean loss must fall by more than 10% over one epoch: " + first + " -> " + last);
        assertEquals(3, curve.stream().filter(p -> p.gradAngleDegrees() != null).count(), "angles sampled at steps 1, 5 and 10");
        assertTrue(o.maxGradAngleDegrees() < 1e-6, "float64 gradient angle " + o.maxGradAngleDegrees());
        assertTrue(o.stored().testAccuracy() >= 0 && o.stored().testAccuracy() <= 1);
    }
}
