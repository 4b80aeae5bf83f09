package io.github.revnet.core.training;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * How far apart two training checkpoints' weights are: the same model, trained by two runs (one uninterrupted, one
 * resumed at another rank count, say). The difference is relative, over every parameter and buffer together, in float64.
 */
public final class CheckpointComparison {
    private CheckpointComparison() {
    }

    /** One tensor's relative difference, ‖a − b‖ / ‖b‖ (‖a − b‖ where b is zero). */
    public record TensorDifference(String name, double relative) {
    }

    /**
     * The trainer compared, each checkpoint's step, the relative difference over all tensors, each tensor's, and the worst
     * tensor.
     */
    public record Result(String trainer, int stepA, int stepB, double relativeDifference, TensorDifference worst, List<TensorDifference> tensors) {
    }

    /** Compares the trainer both checkpoints hold (the only one, or {@code trainer} when not null). */
    public static Result compare(TrainingCheckpoint a, TrainingCheckpoint b, String trainer) {
        for (TrainingCheckpoint c : List.of(a, b)) {
            if (!c.exists()) {
                throw new IllegalArgumentException("no checkpoint in " + c.dir());
            }
        }
        for (String key : List.of("model", "dtype")) {
            if (!a.setting(key).equals(b.setting(key))) {
                throw new IllegalArgumentException("the checkpoints hold different runs: " + key + " " + a.setting(key) + " in " + a.dir()
                        + ", " + b.setting(key) + " in " + b.dir());
            }
        }
        String name = trainer != null ? trainer : onlyTrainer(a, b);
        ModelOptions options = ModelOptions.defaults().inputChannels(1).classes(FashionMnist.CLASSES)
                .dtype(DType.parse(a.setting("dtype")))
                .precision(a.setting("precision") == null ? Precision.FP32 : Precision.parse(a.setting("precision")));
        try (Model ma = Model.create(a.setting("model"), options); Model mb = Model.create(a.setting("model"), options);
                Trainer ta = new Trainer(ma, Trainer.Options.defaults()); Trainer tb = new Trainer(mb, Trainer.Options.defaults());
                NativeScope scope = NativeScope.open()) {
            ta.load(a.trainerFile(name));
            tb.load(b.trainerFile(name));
            Map<String, Tensor> sa = state(ma);
            Map<String, Tensor> sb = state(mb);
            double diff2 = 0;
            double norm2 = 0;
            List<TensorDifference> tensors = new ArrayList<>();
            TensorDifference worst = null;
            for (Map.Entry<String, Tensor> e : sb.entrySet()) {
                Tensor x = sa.get(e.getKey()).to(torch.ScalarType.Double);
                Tensor y = e.getValue().to(torch.ScalarType.Double);
                double d = x.sub(y).norm().item_double();
                double n = y.norm().item_double();
                diff2 += d * d;
                norm2 += n * n;
                TensorDifference t = new TensorDifference(e.getKey(), n > 0 ? d / n : d);
                tensors.add(t);
                if (worst == null || !(t.relative() <= worst.relative())) {
                    worst = t;
                }
            }
            return new Result(name, Integer.parseInt(a.setting("step")), Integer.parseInt(b.setting("step")),
                    Math.sqrt(diff2) / Math.sqrt(norm2), worst, tensors);
        }
    }

    private static Map<String, Tensor> state(Model m) {
        Map<String, Tensor> state = new LinkedHashMap<>(m.namedParameters());
        state.putAll(m.network().namedBuffers());
        return state;
    }

    private static String onlyTrainer(TrainingCheckpoint a, TrainingCheckpoint b) {
        List<String> common = new ArrayList<>(a.trainerNames());
        common.retainAll(b.trainerNames());
        if (common.size() != 1) {
            throw new IllegalArgumentException("the checkpoints in " + a.dir() + " and " + b.dir() + " have " + (common.isEmpty() ? "no"
                    : common.size()) + " trainers in common " + common + ": name the one to compare");
        }
        return common.get(0);
    }
}
