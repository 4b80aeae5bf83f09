package io.github.revnet.core;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Stem → units → head (BN → ReLU → global average pool → classifier). Units are reversible stacks
 * (differentiated according to the mode) or ordinary layers whose activations are stored.
 */
public final class Network extends Layer {
    private final Conv stem;
    private final boolean stemPool;
    private final List<Layer> units = new ArrayList<>();
    private final BatchNorm finalNorm;
    private final Dense classifier;
    private final int features;
    private final RandomStream random = RandomStream.forkedFromDefault();

    Network(Conv stem, boolean stemPool, List<Layer> units, int features, int classes) {
        this.stem = add("stem", stem);
        this.stemPool = stemPool;
        for (Layer unit : units) {
            this.units.add(add("unit" + this.units.size(), unit));
        }
        this.features = features;
        this.finalNorm = add("final_norm", new BatchNorm(features));
        this.classifier = add("classifier", new Dense(features, classes));
    }

    public List<ReversibleStack> reversibleStacks() {
        return units.stream().filter(ReversibleStack.class::isInstance).map(ReversibleStack.class::cast).toList();
    }

    public List<Layer> units() {
        return List.copyOf(units);
    }

    @Override
    public Tensor forward(Tensor input) {
        return forward(input, Mode.STORED, null);
    }

    /**
     * Puts every random stream of the network (the one for layers outside reversible stacks, and
     * each stack's own) into a state derived from {@code seed}: passes reseeded alike draw the same
     * dropout masks.
     */
    public void reseed(long seed) {
        random.reseed(seed);
        List<ReversibleStack> stacks = reversibleStacks();
        for (int i = 0; i < stacks.size(); i++) {
            stacks.get(i).reseed(mix(seed, i + 1));
        }
    }

    /** SplitMix64's finaliser: well-separated seeds for the stacks from one seed. */
    private static long mix(long seed, long index) {
        long z = seed + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Logits for {@code input}; {@code stackInputs}, when given, sees each reversible stack's input. */
    public Tensor forward(Tensor input, Mode mode, BiConsumer<ReversibleStack, Tensor> stackInputs) {
        return random.activate(() -> forwardUnits(input, mode, stackInputs));
    }

    private Tensor forwardUnits(Tensor input, Mode mode, BiConsumer<ReversibleStack, Tensor> stackInputs) {
        List<UnaryOperator<Tensor>> steps = new ArrayList<>();
        steps.add(stem::forward);
        if (stemPool) {
            steps.add(x -> torch.max_pool2d(x, new long[] {3, 3}, new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, false));
        }
        for (Layer unit : units) {
            if (unit instanceof ReversibleStack stack) {
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

    long[] stemOutputShape(long[] inputShape) {
        return stem.outputShape(inputShape);
    }

    boolean hasStemPool() {
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
}
