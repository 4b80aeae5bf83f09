package io.github.revnet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.ActivationMemory;
import io.github.revnet.core.DType;
import io.github.revnet.core.Model;
import io.github.revnet.core.ModelOptions;
import io.github.revnet.core.Plan;
import java.util.Map;

/**
 * Measures the peak activation memory of one or more plans of a model, in a process started with
 * the meter's allocator settings; prints one JSON line per plan ({"plan", "peak_activation_bytes"}).
 * Usage: PlanProbe MODEL BATCH DTYPE IMAGE_SIZE THREADS PLAN [PLAN...]
 */
public final class PlanProbe {
    private PlanProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            throw new IllegalArgumentException("usage: PlanProbe MODEL BATCH DTYPE IMAGE_SIZE THREADS PLAN [PLAN...]");
        }
        MemoryMeter.requireCpuSettings();
        int batch = Integer.parseInt(args[1]);
        Torch.setThreads(Integer.parseInt(args[4]));
        try (Model model = Model.create(args[0], ModelOptions.defaults().dtype(DType.parse(args[2])).seed(1));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(2);
            var images = model.randomInput(batch, Integer.parseInt(args[3]));
            var labels = model.randomLabels(batch);
            for (int i = 5; i < args.length; i++) {
                Plan plan = Plan.parse(args[i]);
                long peak = Long.MAX_VALUE;
                for (int reading = 0; reading < 3; reading++) { // the least of three, as MemoryProbe
                    peak = Math.min(peak, ActivationMemory.ofModel(model, images, labels, plan));
                }
                System.out.println(new ObjectMapper().writeValueAsString(Map.of("plan", plan.label(), "peak_activation_bytes", peak)));
            }
        }
    }
}
