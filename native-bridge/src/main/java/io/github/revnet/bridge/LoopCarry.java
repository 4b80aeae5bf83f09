package io.github.revnet.bridge;

import org.bytedeco.pytorch.Tensor;

/**
 * The tensors a loop carries from one iteration to the next, each update releasing the previous
 * ones, so a walk over N blocks holds one step's tensors rather than N.
 */
public final class LoopCarry implements AutoCloseable {
    private Tensor[] current = new Tensor[0];

    /** Replaces the carried tensors with {@code next}, created in {@code scope}. */
    public void set(NativeScope scope, Tensor... next) {
        Tensor[] adopted = new Tensor[next.length];
        for (int i = 0; i < next.length; i++) {
            adopted[i] = scope.adopt(next[i]);
        }
        release();
        current = adopted;
    }

    public boolean isEmpty() {
        return current.length == 0;
    }

    /** How many tensors are carried. */
    public int size() {
        return current.length;
    }

    public Tensor get(int index) {
        return current[index];
    }

    private void release() {
        for (Tensor t : current) {
            NativeScope.release(t);
        }
        current = new Tensor[0];
    }

    @Override
    public void close() {
        release();
    }
}
