package io.github.revnet.bridge;

import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/**
 * LibTorch's CPU autocast state (thread-local in LibTorch): whether eligible ops (convolutions,
 * matrix products) run in a lower precision, and which. A recomputation must run under the state
 * its forward ran under, whatever the caller has set by then, or it computes something else
 * (MemCNN #57): hence a state is a value that can be recorded and entered again.
 */
public record Autocast(boolean enabled, torch.ScalarType dtype) {
    /** Autocast off (the dtype is then irrelevant; LibTorch's CPU default is bfloat16). */
    public static final Autocast OFF = new Autocast(false, torch.ScalarType.BFloat16);
    /** Eligible ops in bfloat16. */
    public static final Autocast BFLOAT16 = new Autocast(true, torch.ScalarType.BFloat16);

    public Autocast {
        java.util.Objects.requireNonNull(dtype, "dtype");
    }

    /** The calling thread's state now. */
    public static Autocast current() {
        Torch.ensureLoaded();
        boolean on = torch.is_autocast_enabled(torch.DeviceType.CPU);
        return new Autocast(on, torch.get_autocast_dtype(torch.DeviceType.CPU));
    }

    /**
     * Runs {@code work} under this state and puts the previous one back after. Leaving the outermost
     * autocast region clears LibTorch's cache of lower-precision weight copies, as Python's
     * {@code torch.autocast} does on exit: a copy kept past an optimizer step would be a stale weight.
     */
    public <T> T enter(Supplier<T> work) {
        Autocast previous = current();
        if (previous.equals(this)) {
            return work.get();
        }
        set(this);
        torch.increment_nesting();
        try {
            return work.get();
        } finally {
            if (torch.decrement_nesting() == 0) {
                torch.clear_cache();
            }
            set(previous);
        }
    }

    private static void set(Autocast state) {
        torch.set_autocast_dtype(torch.DeviceType.CPU, state.dtype);
        torch.set_autocast_enabled(torch.DeviceType.CPU, state.enabled);
    }

    /** Equal when both are off, or both on in the same dtype (JavaCPP hands out non-interned enum instances). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Autocast a && a.enabled == enabled && (!enabled || a.dtype.value == dtype.value);
    }

    @Override
    public int hashCode() {
        return enabled ? 31 + dtype.value : 0;
    }

    @Override
    public String toString() {
        return enabled ? "autocast " + dtype.toString().toLowerCase() : "autocast off";
    }
}
