package io.github.revnet.bridge;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A snapshot of one generator's state (see {@link RandomStream#capture}), so a recomputation
 * reproduces dropout masks and any other random op exactly. Owns its state tensor until {@link #close()}.
 */
public final class RngState implements AutoCloseable {
    private final Generator generator;
    private Tensor state;

    private RngState(Generator generator, Tensor state) {
        this.generator = generator;
        this.state = state;
    }

    static RngState capture(Generator generator) {
        try (NativeScope scope = NativeScope.open()) {
            return new RngState(generator, scope.adopt(generator.get_state()));
        }
    }

    /** {@code last} when the generator is still in the state it holds, else a new snapshot. */
    static RngState captureUnlessUnchanged(Generator generator, RngState last) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor now = scope.adopt(generator.get_state());
            if (last != null && last.generator == generator && last.state != null && torch.equal(last.state, now)) {
                NativeScope.release(now);
                return last;
            }
            return new RngState(generator, now);
        }
    }

    /** Puts the generator back into the captured state (the snapshot stays usable). */
    public void restore() {
        if (state == null) {
            throw new IllegalStateException("this RngState was already closed");
        }
        try (NativeScope scope = NativeScope.open()) {
            generator.set_state(state);
        }
    }

    /** Releases the snapshot; closing again (a snapshot shared by several captures) does nothing. */
    @Override
    public void close() {
        NativeScope.release(state);
        state = null;
    }
}
