package io.github.revnet.core.profile;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import io.github.revnet.core.models.Model;
import java.util.OptionalLong;
import org.bytedeco.pytorch.Tensor;

/**
 * Counts the floating-point operations of a model's forward pass: its convolutions and matrix
 * products, 2 per multiply-add, read from the shapes that actually flow. Element-wise work
 * (BatchNorm, ReLU, softmax, the couplings' additions) is left out, as in the usual model-FLOP
 * convention: it is a few percent of the products and bound by memory, not by arithmetic.
 *
 * <p>Off unless {@link #forward} is running: the layers that multiply report their products with
 * one static read when it is off. A layer whose products cannot be read from Java (a user's
 * TorchScript function) marks the count incomplete, and the count is then empty.
 */
public final class FlopCount {
    private static volatile FlopCount active;

    private final Thread owner = Thread.currentThread();
    private long flops;
    private String uncounted;

    private FlopCount() {
    }

    /**
     * The forward FLOPs of {@code model} on {@code input} (stored mode, no graph), or empty when a
     * layer could not be counted. A training step's model FLOPs are three times this: the backward
     * computes an input and a weight gradient per product, each as dear as the product itself.
     */
    public static OptionalLong forward(Model model, Tensor input) {
        return of(() -> Grad.off(() -> model.forward(input, Mode.STORED)));
    }

    /** The FLOPs of the products {@code work} runs on this thread, or empty when a layer could not be counted. */
    public static OptionalLong of(Runnable work) {
        if (active != null) {
            throw new IllegalStateException("FlopCount is already counting on " + active.owner.getName());
        }
        FlopCount count = new FlopCount();
        active = count;
        try (NativeScope scope = NativeScope.open()) {
            work.run();
        } finally {
            active = null;
        }
        return count.uncounted == null ? OptionalLong.of(count.flops) : OptionalLong.empty();
    }

    /** A convolution with {@code weight} (out, in / groups, kh, kw) produced {@code output}. */
    public static void convolution(Tensor weight, Tensor output) {
        FlopCount count = mine();
        if (count != null) {
            count.flops += 2 * output.numel() * (weight.numel() / weight.size(0));
        }
    }

    /** A linear layer mapped {@code input} (…, in) to {@code out} features. */
    public static void linear(Tensor input, long out) {
        FlopCount count = mine();
        if (count != null) {
            count.flops += 2 * input.numel() * out;
        }
    }

    /** Attention over {@code tokens} tokens of {@code width} (all heads) for {@code batch} sequences: scores and their use. */
    public static void attention(long batch, long tokens, long width) {
        FlopCount count = mine();
        if (count != null) {
            count.flops += 2 * 2 * batch * tokens * tokens * width;
        }
    }

    /** A layer whose products are not visible from Java ran: the count is incomplete. */
    public static void uncounted(String what) {
        FlopCount count = mine();
        if (count != null) {
            count.uncounted = what;
        }
    }

    private static FlopCount mine() {
        FlopCount count = active;
        return count != null && Thread.currentThread() == count.owner ? count : null;
    }
}
