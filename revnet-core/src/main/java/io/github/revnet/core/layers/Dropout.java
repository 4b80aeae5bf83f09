package io.github.revnet.core.layers;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Inverted dropout whose mask comes from the thread's active {@link RandomStream} (the enclosing
 * reversible stack's), so it can be replayed without touching LibTorch's process-wide generator.
 * Autograd saves the boolean mask only, as LibTorch's own dropout does.
 */
public final class Dropout {
    private Dropout() {
    }

    /** Inverted dropout with probability {@code p} when {@code training}; the mask comes from the active stream. */
    public static Tensor apply(Tensor input, double p, boolean training) {
        if (!training || p == 0) {
            return input;
        }
        try (NativeScope scope = NativeScope.open()) {
            Tensor keep = RandomStream.bernoulliMask(input, 1 - p);
            return scope.keep(input.mul(keep).mul(new Scalar(1 / (1 - p))));
        }
    }
}
