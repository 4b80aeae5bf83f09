package io.github.revnet.core.layers;

import io.github.revnet.core.profile.FlopCount;
import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.TorchScript;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.ScriptedRouting;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A residual function given as a TorchScript module, e.g. one written in Python and saved with
 * {@code torch.jit.script(f).save("f.pt")}. Its parameters and buffers are registered in this
 * layer's module as the very same tensors, so optimizers, dtype conversion and {@code train()}
 * reach them.
 *
 * <p>Its convolutions run inside the script, so the kernel audit routes the function as a whole ({@link ScriptedRouting}).
 *
 * <p>The output shape cannot be read from a script, so it is found by running the module once on
 * zeros of the asked shape (without gradient, in eval mode) and cached per input shape.
 *
 * <p>Random ops inside a script (dropout, drop-path, {@code randn_like}, {@code bernoulli}) draw from LibTorch's default
 * generator, which no caller can hand a generator of its own. So the script runs with the default generator lent the
 * state of the stack's active stream ({@link RandomStream#lentToDefault}): its draws come from that stream and are
 * replayed when the stream is, bit for bit, as {@code torch.utils.checkpoint} saves and restores the default generator.
 */
public final class ScriptedFunction extends Layer {
    private final JitModule script;
    private final String name;
    private final Map<List<Long>, long[]> outputShapes = new HashMap<>();

    /** The module saved in {@code file}; IllegalArgumentException naming the file if it is missing or not TorchScript. */
    public ScriptedFunction(Path file) {
        this(TorchScript.load(file), file.getFileName().toString());
    }

    /** {@code script}, called {@code name} in messages. */
    public ScriptedFunction(JitModule script, String name) {
        this.script = script;
        this.name = name;
        TorchScript.parameters(script).forEach((key, p) -> module().register_parameter(key.replace('.', '_'), p, p.requires_grad()));
        TorchScript.buffers(script).forEach((key, b) -> module().register_buffer(key.replace('.', '_'), b));
    }

    public String name() {
        return name;
    }

    @Override
    public Tensor forward(Tensor input) {
        script.train(isTraining());
        FlopCount.uncounted(name);
        Tensor routed = ScriptedRouting.prepare(name, parameters(), input);
        RandomStream stream = RandomStream.active();
        return stream == null ? TorchScript.forward(script, routed, name) : stream.lentToDefault(() -> TorchScript.forward(script, routed, name));
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return outputShapes.computeIfAbsent(Arrays.stream(inputShape).boxed().toList(), key -> probe(inputShape)).clone();
    }

    private long[] probe(long[] inputShape) {
        for (long d : inputShape) {
            if (d < 1) {
                throw new IllegalArgumentException(name + ": input dimensions must be positive, got " + Arrays.toString(inputShape));
            }
        }
        boolean training = isTraining();
        script.train(false);
        try (NativeScope scope = NativeScope.open()) {
            return Grad.off(() -> Shapes.of(TorchScript.forward(script, torch.zeros(inputShape, new TensorOptions(dtype())), name)));
        } finally {
            script.train(training);
        }
    }

    private torch.ScalarType dtype() {
        List<Tensor> parameters = parameters();
        return parameters.isEmpty() ? torch.ScalarType.Float : parameters.get(0).scalar_type();
    }
}
