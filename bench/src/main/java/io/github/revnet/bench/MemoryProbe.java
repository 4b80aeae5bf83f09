package io.github.revnet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.ActivationEstimate;
import io.github.revnet.core.ActivationMemory;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Model;
import io.github.revnet.core.ModelOptions;
import io.github.revnet.core.Plan;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures one configuration's peak activation memory in a process of its own, started with the
 * allocator settings under which the meter is exact (they would slow timing runs down). Prints
 * one JSON object on its last line. MODE is a mode for every reversible stack, or a plan (one mode
 * per stack, separated by commas; no analytical estimate then).
 * Usage: MemoryProbe MODEL MODE|PLAN BATCH DTYPE IMAGE_SIZE THREADS
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: MemoryProbe MODEL MODE|PLAN BATCH DTYPE IMAGE_SIZE THREADS");
        }
        MemoryMeter.requireCpuSettings();
        Mode mode = args[1].contains(",") ? null : Mode.parse(args[1]);
        int batch = Integer.parseInt(args[2]);
        DType dtype = DType.parse(args[3]);
        int size = Integer.parseInt(args[4]);
        Torch.setThreads(Integer.parseInt(args[5]));
        Map<String, Object> out = new LinkedHashMap<>();
        try (Model model = Model.create(args[0], ModelOptions.defaults().dtype(dtype).seed(1)); NativeScope scope = NativeScope.open()) {
            Torch.seed(2);
            var images = model.randomInput(batch, size);
            var labels = model.randomLabels(batch);
            // The lesser of two readings: single readings of a 6.6 MB RevViT figure scattered by up to 0.8 MB, upward. (Three,
            // until the report's memory phase, 64 probes under the mmap threshold, had to fit its time budget.)
            long peak = mode != null ? ActivationMemory.leastOfModel(model, images, labels, mode, 2)
                    : ActivationMemory.leastOfModel(model, images, labels, Plan.parse(args[1]), 2);
            out.put("peak_activation_bytes", peak);
            if (mode != null) {
                out.put("estimated_activation_bytes", ActivationEstimate.bytes(model, Shapes.of(images), mode));
            }
            out.put("params", model.parameterCount());
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }
}
