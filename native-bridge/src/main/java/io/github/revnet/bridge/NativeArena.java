package io.github.revnet.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Owns native handles whose lifetime is an object's rather than a block's: a model's modules and
 * parameters, an optimizer. Work run through {@link #run} may span several calls; everything it
 * creates (and everything kept out of its inner scopes) lives until {@link #close()}.
 */
public final class NativeArena implements AutoCloseable {
    private final List<Pointer> owned = new ArrayList<>();
    private boolean closed;

    /** Runs {@code work} so that the handles it creates belong to this arena. */
    public <T> T run(Supplier<T> work) {
        if (closed) {
            throw new IllegalStateException("this NativeArena is already closed");
        }
        try (NativeScope scope = new NativeScope(this)) {
            return work.get();
        }
    }

    /** Runs {@code work} so that the handles it creates belong to this arena. */
    public void run(Runnable work) {
        run(() -> {
            work.run();
            return null;
        });
    }

    /** A PointerScope that hands what attaches to it to this arena; closing it releases nothing. */
    PointerScope recorder() {
        return new PointerScope() {
            @Override
            public PointerScope attach(Pointer p) {
                p.retainReference();
                owned.add(p);
                return this;
            }

            @Override
            public PointerScope detach(Pointer p) {
                if (owned.remove(p)) {
                    p.releaseReference();
                }
                return this;
            }
        };
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).releaseReference();
        }
        owned.clear();
    }
}
