package io.github.revnet.bridge;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A snapshot of LibTorch's default CPU generator, so a recomputation reproduces dropout masks and
 * any other random op exactly. Owns its state tensor until {@link #close()}.
 */
public final class RngState implements AutoCloseable {
    private Tensor state;

    private RngState(Tensor state) {
        this.state = state;
    }

    /** Captures the current state; the snapshot owns its own copy. */
    public static RngState capture() {
        try (NativeScope scope = NativeScope.open()) {
            Generator generator = torch.getDefaultCPUGenerator();
            return new RngState(scope.adopt(generator.get_state()));
        }
    }

    /** Puts the generator back into the captured state (the snapshot stays usable). */
    public void restore() {
        if (state == null) {
            throw new IllegalStateException("this RngState was already closed");
        }
        try (NativeScope scope = NativeScope.open()) {
            torch.getDefaultCPUGenerator().set_state(state);
        }
    }

    @Override
    public void close() {
        NativeScope.release(state);
        state = null;
    }
}
