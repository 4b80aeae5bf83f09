package io.github.revnet.core.models;

import io.github.revnet.bridge.RandomStream;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.List;
import java.util.function.BiConsumer;
import org.bytedeco.pytorch.Tensor;

/**
 * A whole classifier whose reversible stacks run in the mode a forward asks for: a convolutional
 * RevNet/ResNet ({@link ConvNetwork}) or a vision transformer ({@link VisionTransformer}). Layers
 * outside reversible stacks draw their random numbers from the network's own stream.
 */
public abstract class Network extends Layer {
    private final RandomStream random = RandomStream.forkedFromDefault();

    /** The reversible stacks, in order. */
    public abstract List<ReversibleStack> reversibleStacks();

    /** Logits, with reversible stack i in {@code plan.modeOf(i)}; {@code stackInputs} sees each stack's input. */
    protected abstract Tensor forwardUnits(Tensor input, Plan plan, BiConsumer<ReversibleStack, Tensor> stackInputs);

    /**
     * Throws IllegalArgumentException naming the problem unless an input of {@code shape} (rank and
     * channels already checked) fits this network, without computing anything.
     */
    abstract void checkInput(long[] shape, String modelName, boolean training);

    @Override
    public Tensor forward(Tensor input) {
        return forward(input, Mode.STORED, null);
    }

    /** Logits for {@code input}; {@code stackInputs}, when given, sees each reversible stack's input. */
    public Tensor forward(Tensor input, Mode mode, BiConsumer<ReversibleStack, Tensor> stackInputs) {
        return forward(input, Plan.uniform(mode, reversibleStacks().size()), stackInputs);
    }

    /** Logits for {@code input} with each reversible stack in its plan's mode. */
    public Tensor forward(Tensor input, Plan plan, BiConsumer<ReversibleStack, Tensor> stackInputs) {
        if (plan.stacks() != reversibleStacks().size()) {
            throw new IllegalArgumentException("plan " + plan + " gives " + plan.stacks() + " mode(s), but the network has "
                    + reversibleStacks().size() + " reversible stack(s)");
        }
        return random.activate(() -> forwardUnits(input, plan, stackInputs));
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
}
