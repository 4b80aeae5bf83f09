package io.github.revnet.bench;

import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.Trainer;
import org.bytedeco.pytorch.Tensor;

/**
 * What every timing measures against: a model (seed 1), LibTorch's SGD with the default options,
 * and a fixed random batch (seed 2), so every mode and plan starts from the same weights and data.
 */
final class StepRig implements AutoCloseable {
    final Model model;
    final Trainer trainer;
    final Tensor images;
    final Tensor labels;
    private final NativeArena data = new NativeArena();

    StepRig(String modelName, DType dtype, int batch, int imageSize) {
        this(modelName, dtype, Precision.FP32, batch, imageSize);
    }

    StepRig(String modelName, DType dtype, Precision precision, int batch, int imageSize) {
        this(modelName, dtype, precision, 0, batch, imageSize);
    }

    StepRig(String modelName, DType dtype, Precision precision, double dropPath, int batch, int imageSize) {
        model = Model.create(modelName, ModelOptions.defaults().dtype(dtype).precision(precision).dropPath(dropPath).seed(1));
        trainer = new Trainer(model, Trainer.Options.defaults());
        Tensor[] both = data.run(() -> {
            Torch.seed(2);
            return new Tensor[] {model.randomInput(batch, imageSize), model.randomLabels(batch)};
        });
        images = both[0];
        labels = both[1];
    }

    @Override
    public void close() {
        data.close();
        trainer.close();
        model.close();
    }
}
