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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures one configuration's peak activation memory in a process of its own, started with the
 * allocator settings under which the meter is exact (they would slow timing runs down). Prints
 * one JSON object on its last line. Usage: MemoryProbe MODEL MODE BATCH DTYPE IMAGE_SIZE THREADS
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: MemoryProbe MODEL MODE BATCH DTYPE IMAGE_SIZE THREADS");
        }
        MemoryMeter.requireCpuSettings();
        Mode mode = Mode.parse(args[1]);
        int batch = Integer.parseInt(args[2]);
        DType dtype = DType.parse(args[3]);
        int size = Integer.parseInt(args[4]);
        Torch.setThreads(Integer.parseInt(args[5]));
        Map<String, Object> out = new LinkedHashMap<>();
        try (Model model = Model.create(args[0], ModelOptions.defaults().dtype(dtype).seed(1)); NativeScope scope = NativeScope.open()) {
            Torch.seed(2);
            var images = model.randomInput(batch, size);
            var labels = model.randomLabels(batch);
            // The least of three readings: single readings of a 6.6 MB RevViT figure scattered by up to 0.8 MB, upward (a
            // transient allocation of the JVM or the allocator lands in the process-level peak).
            long peak = Long.MAX_VALUE;
            for (int reading = 0; reading < 3; reading++) {
                peak = Math.min(peak, ActivationMemory.ofModel(model, images, labels, mode));
            }
            out.put("peak_activation_bytes", peak);
            out.put("estimated_activation_bytes", ActivationEstimate.bytes(model, Shapes.of(images), mode));
            out.put("params", model.parameterCount());
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }
}
