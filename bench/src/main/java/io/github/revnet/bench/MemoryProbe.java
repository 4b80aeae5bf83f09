package io.github.revnet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bridge.MallocCounter;
import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.Mode;
import io.github.revnet.core.checks.ActivationEstimate;
import io.github.revnet.core.checks.ActivationMemory;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.Plan;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures one model's peak activation memory in a process of its own ({@link Probes#run}
 * starts it with the malloc counter preloaded), for each mode or plan named in turn; prints one JSON
 * object per mode or plan, on the last lines. A plan is one mode per stack, separated by commas
 * (no analytical estimate then). Several modes share a process only under the malloc counter: with
 * the resident-size method, heap pages an earlier mode left resident absorb a later mode's
 * allocations, which then read low.
 * Usage: MemoryProbe MODEL BATCH DTYPE IMAGE_SIZE THREADS MODE|PLAN...
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    /** The DTYPE[:PRECISION] argument: the dtype alone under fp32. */
    static String format(DType dtype, Precision precision) {
        return precision == Precision.FP32 ? dtype.label() : dtype.label() + ":" + precision.label();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            throw new IllegalArgumentException("usage: MemoryProbe MODEL BATCH DTYPE[:PRECISION] IMAGE_SIZE THREADS MODE|PLAN..., got "
                    + Arrays.toString(args));
        }
        MemoryMeter.requireCpuSettings();
        List<String> what = List.of(args).subList(5, args.length);
        if (what.size() > 1 && !MallocCounter.active()) {
            throw new IllegalArgumentException("measuring " + what + " in one process needs the malloc counter preloaded; without it, start"
                    + " a probe per mode");
        }
        int batch = Integer.parseInt(args[1]);
        String[] format = args[2].split(":", 2);
        DType dtype = DType.parse(format[0]);
        Precision precision = format.length > 1 ? Precision.parse(format[1]) : Precision.FP32;
        int size = Integer.parseInt(args[3]);
        Torch.setThreads(Integer.parseInt(args[4]));
        ObjectMapper json = new ObjectMapper();
        String[] named = args[0].split("@drop-path=", 2); // MODEL or MODEL@drop-path=P
        double dropPath = named.length > 1 ? Double.parseDouble(named[1]) : 0;
        try (Model model = Model.create(named[0], ModelOptions.defaults().dtype(dtype).precision(precision).dropPath(dropPath).seed(1));
                NativeScope scope = NativeScope.open()) {
            Torch.seed(2);
            var images = model.randomInput(batch, size);
            var labels = model.randomLabels(batch);
            for (String w : what) {
                Mode mode = w.contains(",") ? null : Mode.parse(w);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("what", w);
                // A reading that a second one repeats, of up to five: the JVM's own threads can move a single one either way.
                out.put("peak_activation_bytes", mode != null ? ActivationMemory.repeatedOfModel(model, images, labels, mode, 5)
                        : ActivationMemory.repeatedOfModel(model, images, labels, Plan.parse(w), 5));
                if (mode != null) {
                    out.put("estimated_activation_bytes", ActivationEstimate.bytes(model, Shapes.of(images), mode));
                }
                out.put("params", model.parameterCount());
                System.out.println(json.writeValueAsString(out));
            }
        }
    }
}
