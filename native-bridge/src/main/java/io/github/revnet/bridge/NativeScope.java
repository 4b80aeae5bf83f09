package io.github.revnet.bridge;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * A unit of work whose native handles are released when it closes.
 *
 * <p>Every JavaCPP object (tensor handle, array ref, optional, ...) created while a scope is the
 * innermost open one on its thread is released on {@link #close()}. A result that must outlive the
 * scope is handed to the enclosing scope with {@link #keep}, or taken out of scope management with
 * {@link #adopt} and released later by {@link #release}.
 *
 * <p>Why this exists: a tensor handle left to the garbage collector keeps its storage, and often a
 * whole autograd graph, alive for an unknown time. On these presets that made the reversible stack
 * use more memory than plain backprop. Scopes make every lifetime deterministic.
 *
 * <p>Callback objects handed to native code are kept strongly reachable with {@link #retain} until
 * the scope closes: a collected hook surfaces as a NullPointerException inside {@code backward()}.
 */
public final class NativeScope implements AutoCloseable {
    private static final ThreadLocal<Deque<NativeScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final PointerScope pointers;
    private final List<Object> retained = new ArrayList<>();
    private final List<Runnable> closeActions = new ArrayList<>();
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private NativeScope() {
        this(null);
    }

    NativeScope(NativeArena arena) {
        Torch.ensureLoaded();
        pointers = arena == null ? new PointerScope() : arena.recorder();
        OPEN.get().push(this);
    }

    /** Opens a scope on this thread; close it with try-with-resources. */
    public static NativeScope open() {
        return new NativeScope();
    }

    /** The innermost open scope on this thread. */
    public static NativeScope current() {
        NativeScope top = OPEN.get().peek();
        if (top == null) {
            throw new IllegalStateException("no NativeScope is open on thread '" + Thread.currentThread().getName()
                    + "': open one with NativeScope.open() around work that creates tensors");
        }
        return top;
    }

    /**
     * The outermost open scope on this thread: the unit of work (a training step, a check) that
     * owns state whose lifetime is the autograd graph's rather than a lexical block's.
     */
    public static NativeScope outermost() {
        current();
        return OPEN.get().peekLast();
    }

    /**
     * Native handles that exist but belong to no scope or arena's deterministic release: JavaCPP
     * objects whose memory goes back only when the garbage collector finds them unreachable. A
     * loop that releases everything it creates keeps this count flat.
     */
    public static long handlesAwaitingCollector() {
        return Pointer.totalCount();
    }

    /** True when some scope is open on this thread. */
    public static boolean isOpen() {
        return !OPEN.get().isEmpty();
    }

    /** Runs {@code work} in a fresh scope and keeps only its result, in the caller's scope. */
    public static <T extends Pointer> T call(java.util.function.Supplier<T> work) {
        try (NativeScope scope = open()) {
            return scope.keep(work.get());
        }
    }

    /**
     * Applies {@code steps} in order, releasing each intermediate result as soon as the next step
     * has consumed it; only the final result is kept, in the caller's scope. This is what keeps a
     * plain-autograd forward as lean as Python's: an intermediate survives only if the graph saved it.
     */
    public static Tensor chain(Tensor input, List<? extends UnaryOperator<Tensor>> steps) {
        if (steps.isEmpty()) {
            return input;
        }
        Tensor current = input;
        for (int i = 0; i < steps.size(); i++) {
            boolean last = i == steps.size() - 1;
            Tensor produced;
            try (NativeScope scope = open()) {
                produced = steps.get(i).apply(current);
                if (produced != current) {
                    produced = last ? scope.keep(produced) : scope.adopt(produced);
                }
            }
            if (produced == current) {
                // A step that passed its input through (dropout in eval mode): the handle is not the
                // step's to adopt, or it would be released once too often. On the last step an
                // intermediate we own goes to the caller's scope like any other result.
                if (last && current != input) {
                    current().pointers.attach(current);
                    release(current);
                }
                continue;
            }
            if (current != input) {
                release(current);
            }
            current = produced;
        }
        return current;
    }

    /**
     * Moves {@code handle}, created in this scope, to the enclosing scope so it survives this one.
     * Returns the handle for chaining.
     */
    public <T extends Pointer> T keep(T handle) {
        checkOpen();
        Objects.requireNonNull(handle, "handle");
        NativeScope parent = parent();
        if (parent == null) {
            throw new IllegalStateException("keep() needs an enclosing NativeScope to own the result; "
                    + "open one around this call, or use adopt() and release() for a handle you own yourself");
        }
        parent.pointers.attach(handle);
        pointers.detach(handle);
        return handle;
    }

    /**
     * Takes {@code handle}, created in this scope, out of scope management: it stays alive until
     * {@link #release} is called on it. For state whose lifetime is not a lexical block (tensors a
     * custom backward saves from its forward).
     */
    public <T extends Pointer> T adopt(T handle) {
        checkOpen();
        handle.retainReference();
        pointers.detach(handle);
        return handle;
    }

    /** Releases a handle obtained from {@link #adopt}; null is ignored. */
    public static void release(Pointer adopted) {
        if (adopted != null && !adopted.isNull()) {
            adopted.releaseReference();
        }
    }

    /** Keeps {@code callback} strongly reachable until this scope closes. */
    public <T> T retain(T callback) {
        checkOpen();
        retained.add(Objects.requireNonNull(callback, "callback"));
        return callback;
    }

    /** Runs {@code action} when this scope closes, before its handles are released (last registered runs first). */
    public void onClose(Runnable action) {
        checkOpen();
        closeActions.add(Objects.requireNonNull(action, "action"));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a NativeScope must be closed on the thread that opened it ("
                    + owner.getName() + "), not on " + Thread.currentThread().getName());
        }
        closed = true;
        OPEN.get().remove(this);
        try {
            for (int i = closeActions.size() - 1; i >= 0; i--) {
                closeActions.get(i).run();
            }
        } finally {
            pointers.close();
            retained.clear();
        }
    }

    private NativeScope parent() {
        boolean seenSelf = false;
        for (NativeScope scope : OPEN.get()) {
            if (seenSelf) {
                return scope;
            }
            seenSelf = scope == this;
        }
        return null;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this NativeScope is already closed");
        }
    }
}
