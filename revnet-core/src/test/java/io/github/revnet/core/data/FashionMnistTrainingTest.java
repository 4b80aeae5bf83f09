package io.github.revnet.core.data;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.revnet.core.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

class FashionMnistTrainingTest {
    @Test
    void onRealImagesTheLossFallsAndBothModesAgreeStepByStep() throws Exception {
        assumeTrue(FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR),
                "Debian's dataset-fashion-mnist is not installed (.ci/run installs it)");
        FashionMnist data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        // float64, so agreement can be asserted at the gate's 1e-10 (float64 convolutions are slow
        // on CPU, so the run is small): the same 8 real images every step, 6 steps, angles at steps 1 and 6.
        var options = new TrainingComparison.Options("revnet-38", 6, 8, 3, 0.05, 6, 8, 20, DType.FLOAT64);
        TrainingComparison.Outcome o = TrainingComparison.run(data, options, line -> { });
        List<TrainingComparison.Point> curve = o.curve();
        for (TrainingComparison.Point p : curve) {
            double diff = Math.abs(p.storedLoss() - p.reversibleLoss()) / Math.abs(p.storedLoss());
            assertTrue(diff <= 1e-10, "step " + p.step() + ": stored " + p.storedLoss() + " vs reversible " + p.reversibleLoss());
        }
        double first = curve.get(0).storedLoss();
        double last = curve.get(curve.size() - 1).storedLoss();
        assertTrue(last < 0.9 * first, "loss on a fixed batch must fall by more than 10% in 6 steps: " + first + " -> " + last);
        assertTrue(o.maxGradAngleDegrees() < 1e-6, "float64 gradient angle " + o.maxGradAngleDegrees());
        assertTrue(o.stored().testAccuracy() >= 0 && o.stored().testAccuracy() <= 1);
    }
}
