package io.github.revnet.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A module: its options plus {@code forward}. Parameters and buffers live in a LibTorch module
 * tree, so LibTorch's optimizers and {@code train()/eval()} see them. Every layer also infers its
 * output shape in plain Java, which lets blocks and models reject bad shapes before any native call.
 */
public abstract class Layer {
    private final Module module = new Module();
    private final List<Layer> children = new ArrayList<>();

    /** Computes this layer's output. */
    public abstract Tensor forward(Tensor input);

    /** The output shape for an input of {@code inputShape}; throws IllegalArgumentException naming the bad dimension. */
    public abstract long[] outputShape(long[] inputShape);

    /** The LibTorch module holding this layer's parameters and buffers. */
    public final Module module() {
        return module;
    }

    protected final <L extends Layer> L add(String name, L child) {
        module.register_module(name, child.module());
        children.add(child);
        return child;
    }

    /** This layer and every layer under it that is a {@code type}, depth first in registration order. */
    public final <L extends Layer> List<L> layersOf(Class<L> type) {
        List<L> out = new ArrayList<>();
        collect(type, out);
        return out;
    }

    private <L extends Layer> void collect(Class<L> type, List<L> out) {
        if (type.isInstance(this)) {
            out.add(type.cast(this));
        }
        for (Layer child : children) {
            child.collect(type, out);
        }
    }

    protected final <M extends Module> M addNative(String name, M child) {
        module.register_module(name, child);
        return child;
    }

    /** Parameters in registration order, with dotted names. */
    public final Map<String, Tensor> namedParameters() {
        return toMap(module.named_parameters(true));
    }

    /** Buffers (BatchNorm running statistics and counters) in registration order, with dotted names. */
    public final Map<String, Tensor> namedBuffers() {
        return toMap(module.named_buffers(true));
    }

    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    public final List<Tensor> buffers() {
        TensorVector v = module.buffers(true);
        List<Tensor> out = new ArrayList<>();
        for (long i = 0; i < v.size(); i++) {
            out.add(new Tensor(v.get(i)));
        }
        return out;
    }

    /** Total number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor p : namedParameters().values()) {
            n += p.numel();
        }
        return n;
    }

    public final void train(boolean on) {
        module.train(on);
    }

    public final boolean isTraining() {
        return module.is_training();
    }

    private static Map<String, Tensor> toMap(StringTensorDict dict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (long i = 0; i < dict.size(); i++) {
            StringTensorDictItem item = dict.get(i);
            out.put(item.key().getString(), new Tensor(item.value())); // copy: the item is a reference into the dict
        }
        return out;
    }
}
