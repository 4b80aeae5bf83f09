package io.github.revnet.bridge;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;

/**
 * A differentiable operation whose backward is written in Java: the JVM's stand-in for
 * {@code torch::autograd::Function}, which the presets do not map.
 *
 * <p>{@link #forward} runs without recording a graph. {@link #apply} attaches its output to the
 * caller's graph through a zero-valued link, so {@code loss.backward()} on a whole model reaches
 * this function like any other node:
 *
 * <pre>
 *   input ──view── alias ──narrow(0,0,0).sum()── carrier (a 0-dim exact zero)
 *                                                   └─expand── spread ──+── output
 *   forward(input) without a graph ─────────────────────────────────────┘
 * </pre>
 *
 * A hook on {@code spread} receives dL/d(output) and runs {@link #backward}; a hook on
 * {@code alias} replaces the zero gradient that flows back through the link with the input
 * gradient that backward returned. The link never touches the input's values, so the output is
 * exactly {@code forward(input)} (non-finite inputs included). When the input needs no gradient,
 * the link hangs from a private 0-dim leaf instead, so parameter gradients still arrive.
 *
 * <p>The graph outlives the lexical block that built it, so the function's state (saved tensors,
 * hooks, the stashed input gradient) belongs to the outermost open {@link NativeScope} on the
 * thread (the training step or check that will call {@code backward()}) and is released when that
 * scope closes; saved tensors go as soon as backward has run. Backward runs at most once per
 * apply (as with {@code retain_graph=false}).
 */
public abstract class CustomFunction {
    private final List<Tensor> saved = new ArrayList<>();
    private final List<TensorTensorHook> hooks = new ArrayList<>(2);
    private Tensor savedOutput;
    private Tensor inputGradient;
    private boolean needsInputGrad;
    private boolean backwardDone;
    private RuntimeException failure;

    /**
     * Computes the output from {@code input} (a detached alias of the caller's tensor). Runs with
     * autograd recording off. Keep what backward needs with {@link #save}.
     */
    protected abstract Tensor forward(Tensor input);

    /**
     * Given the output computed by forward and dL/d(output), returns dL/d(input), or null when
     * {@code needsInputGrad} is false, and accumulates parameter gradients into their {@code grad}.
     * Runs with autograd recording on, inside its own scope; the returned tensor is kept for the
     * caller's graph.
     */
    protected abstract Tensor backward(Tensor output, Tensor gradOutput, boolean needsInputGrad);

    /** Keeps {@code tensor}, created in the current scope during forward, until backward has run. */
    protected final Tensor save(Tensor tensor) {
        saved.add(NativeScope.current().adopt(tensor));
        return tensor;
    }

    /** Applies this function; its output is created in the current scope, its graph state owned by the outermost one. */
    public final Tensor apply(Tensor input) {
        NativeScope owner = NativeScope.outermost();
        if (input.dim() < 1) {
            throw new IllegalArgumentException("CustomFunction input must have at least one dimension, got a 0-dim tensor");
        }
        Tensor output;
        try (NativeScope inner = NativeScope.open()) {
            Tensor detached = input.detach();
            output = inner.keep(Grad.off(() -> forward(detached)));
        }
        if (!Grad.isEnabled()) {
            releaseSaved();
            return output;
        }
        owner.retain(this);
        owner.onClose(this::releaseAll);
        needsInputGrad = input.requires_grad();

        Tensor carrier;
        if (needsInputGrad) {
            Tensor alias = input.view_as(input);
            alias.register_hook(hold(owner, new InputGradientHook()));
            carrier = alias.narrow(0, 0, 0).sum();
        } else {
            carrier = output.new_zeros(new long[0]);
            carrier.requires_grad_(true);
        }
        Tensor spread = carrier.expand(Shapes.of(output));
        spread.register_hook(hold(owner, new OutputGradientHook()));
        Tensor linked = output.add(spread);
        savedOutput = NativeScope.current().adopt(linked.detach());
        return linked;
    }

    /**
     * A hook is itself a native object: taken out of the current (lexical) scope, whose closing
     * would free its native thunk under the graph, and held by the owner until the graph is done.
     */
    private TensorTensorHook hold(NativeScope owner, TensorTensorHook hook) {
        hooks.add(NativeScope.current().adopt(hook));
        return owner.retain(hook);
    }

    private RuntimeException rethrowable(RuntimeException e) {
        failure = e;
        return e;
    }

    /** Receives dL/d(output) and runs the Java backward; passes the gradient on unchanged. */
    private final class OutputGradientHook extends TensorTensorHook {
        @Override
        public TensorBase call(TensorBase gradient) {
            try {
                if (backwardDone) {
                    throw new IllegalStateException("backward through " + CustomFunction.this.getClass().getSimpleName()
                            + " already ran once; its saved tensors are released (retain_graph is not supported)");
                }
                try (NativeScope scope = NativeScope.open()) {
                    Tensor gradOutput = new Tensor(gradient);
                    Tensor gradInput = Grad.on(() -> backward(savedOutput, gradOutput, needsInputGrad));
                    if (needsInputGrad) {
                        if (gradInput == null || !gradInput.defined()) {
                            throw new IllegalStateException(CustomFunction.this.getClass().getSimpleName()
                                    + ".backward returned no input gradient although the input requires one");
                        }
                        inputGradient = scope.adopt(gradInput);
                    }
                }
                backwardDone = true;
                releaseSaved();
                return gradient;
            } catch (RuntimeException e) {
                throw rethrowable(e);
            }
        }
    }

    /** Replaces the zero gradient that reaches the input through the link with backward's result. */
    private final class InputGradientHook extends TensorTensorHook {
        @Override
        public TensorBase call(TensorBase zeros) {
            if (failure != null) {
                throw failure;
            }
            if (inputGradient == null) {
                throw new IllegalStateException("input gradient requested before backward ran");
            }
            return inputGradient;
        }
    }

    /** Releases state a subclass keeps beyond {@link #save}d tensors; called once backward has run or the owning scope closes. */
    protected void releaseState() {
    }

    private void releaseSaved() {
        releaseState();
        saved.forEach(NativeScope::release);
        saved.clear();
        NativeScope.release(savedOutput);
        savedOutput = null;
    }

    private void releaseAll() {
        releaseSaved();
        hooks.forEach(NativeScope::release);
        hooks.clear();
        NativeScope.release(inputGradient);
        inputGradient = null;
    }
}
