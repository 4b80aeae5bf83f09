package io.github.revnet.core;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;

public class Scratch {
    public static void main(String[] args) {
        Torch.setThreads(2);
        for (String name : new String[0]) {
            try (Model m = Model.create(name, ModelOptions.defaults())) {
                System.out.printf("%s params %.3fM (paper %.2fM)%n", name, m.parameterCount() / 1e6, m.spec().paperParamsMillions());
            }
        }
        for (String name : new String[] {"revnet-38", "revnet-110", "revnet-164"}) {
            for (DType d : DType.values()) {
                try (Model m = Model.create(name, ModelOptions.defaults().dtype(d)); NativeScope s = NativeScope.open()) {
                    Torch.seed(7);
                    long t = System.nanoTime();
                    var r = GradientCheck.run(m, m.randomInput(2, 32), m.randomLabels(2));
                    System.out.printf("%s %s inv %.3e grad %.3e input %.3e stats %.3e angle %.3e loss %.6f/%.6f %.1fs%n", name, d, r.inverseMaxAbsError(),
                            r.maxRelativeGradError(), r.inputRelativeError(), r.runningStatsMaxAbsDiff(), r.gradAngleDegrees(), r.storedLoss(), r.reversibleLoss(), (System.nanoTime()-t)/1e9);
                }
            }
        }
    }
}
