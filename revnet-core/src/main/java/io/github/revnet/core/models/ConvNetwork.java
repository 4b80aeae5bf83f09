package io.github.revnet.core.models;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.layers.BatchNorm;
import io.github.revnet.core.layers.Conv;
import io.github.revnet.core.layers.Dense;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A convolutional RevNet or ResNet: stem → units → head (BN → ReLU → global average pool →
 * classifier). Units are reversible stacks (differentiated according to the mode) or ordinary
 * layers whose activations are stored.
 */
public final class ConvNetwork extends Network {
    private final Conv stem;
    private final boolean stemPool;
    private final List<Layer> units = new ArrayList<>();
    private final BatchNorm finalNorm;
    private final Dense classifier;
    private final int features;

    ConvNetwork(Conv stem, boolean stemPool, List<Layer> units, int features, int classes) {
        this.stem = add("stem", stem);
        this.stemPool = stemPool;
        for (Layer unit : units) {
            this.units.add(add("unit" + this.units.size(), unit));
        }
        this.features = features;
        this.finalNorm = add("final_norm", new BatchNorm(features));
        this.classifier = add("classifier", new Dense(features, classes));
    }

    @Override
    public List<ReversibleStack> reversibleStacks() {
        return units.stream().filter(ReversibleStack.class::isInstance).map(ReversibleStack.class::cast).toList();
    }

    public List<Layer> units() {
        return List.copyOf(units);
    }

    @Override
    protected Tensor forwardUnits(Tensor input, Plan plan, BiConsumer<ReversibleStack, Tensor> stackInputs) {
        List<UnaryOperator<Tensor>> steps = new ArrayList<>();
        steps.add(stem::forward);
        if (stemPool) {
            steps.add(x -> torch.max_pool2d(x, new long[] {3, 3}, new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, false));
        }
        int stackIndex = 0;
        for (Layer unit : units) {
            if (unit instanceof ReversibleStack stack) {
                Mode mode = plan.modeOf(stackIndex++);
                steps.add(x -> {
                    if (stackInputs != null) {
                        stackInputs.accept(stack, x);
                    }
                    return stack.forward(x, mode);
                });
            } else {
                steps.add(unit::forward);
            }
        }
        steps.add(finalNorm::forward);
        steps.add(torch::relu);
        steps.add(x -> torch.adaptive_avg_pool2d(x, 1, 1).flatten(1, -1));
        steps.add(classifier::forward);
        return NativeScope.chain(input, steps);
    }

    public long[] stemOutputShape(long[] inputShape) {
        return stem.outputShape(inputShape);
    }

    public boolean hasStemPool() {
        return stemPool;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = featureMapShape(inputShape);
        return classifier.outputShape(new long[] {s[0], features});
    }

    /** The shape entering the head: the smallest feature map, where BatchNorm sees the fewest values. */
    public long[] featureMapShape(long[] inputShape) {
        long[] s = stem.outputShape(inputShape);
        if (stemPool) {
            s = new long[] {s[0], s[1], (s[2] - 1) / 2 + 1, (s[3] - 1) / 2 + 1};
        }
        for (Layer unit : units) {
            s = unit.outputShape(s);
        }
        if (s[1] != features) {
            throw new IllegalStateException("units end with " + s[1] + " channels, head expects " + features);
        }
        return s;
    }

    @Override
    void checkInput(long[] shape, String modelName, boolean training) {
        long[] features = featureMapShape(shape);
        if (training && features[0] * features[2] * features[3] < 2) {
            throw new IllegalArgumentException("BatchNorm in training mode needs more than one value per channel, but input "
                    + java.util.Arrays.toString(shape) + " leaves a " + features[2] + "x" + features[3] + " feature map at batch "
                    + features[0] + ": use a batch of at least 2 or a larger image");
        }
    }
}
