package io.github.revnet.bench;

import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Model;
import io.github.revnet.core.ModelOptions;
import io.github.revnet.core.Trainer;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A model, its optimizer and a fixed batch, built once per trial; every mode starts from the same seed, so the same weights. */
@State(Scope.Thread)
public class ModelState {
    @Param({"revnet-38"})
    public String model;

    @Param({"stored"})
    public String mode;

    @Param({"32"})
    public int batch;

    @Param({"float32"})
    public String dtype;

    @Param({"32"})
    public int imageSize;

    @Param({"0"})
    public int threads;

    Model net;
    Trainer trainer;
    Tensor images;
    Tensor labels;
    private final NativeArena data = new NativeArena();

    @Setup(Level.Trial)
    public void build() {
        Torch.setThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        net = Model.create(model, ModelOptions.defaults().dtype(DType.parse(dtype)).seed(1));
        trainer = new Trainer(net, Trainer.Options.defaults());
        data.run(() -> {
            Torch.seed(2);
            images = net.randomInput(batch, imageSize);
            labels = net.randomLabels(batch);
        });
    }

    @TearDown(Level.Trial)
    public void close() {
        data.close();
        trainer.close();
        net.close();
    }
}
