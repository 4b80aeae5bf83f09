package io.github.revnet.bridge;

import java.util.function.Supplier;
import org.bytedeco.pytorch.GradMode;

/** Runs work with LibTorch's autograd recording switched off or on, restoring the previous mode after. */
public final class Grad {
    private Grad() {
    }

    /** Runs {@code work} without recording a graph. */
    public static <T> T off(Supplier<T> work) {
        return with(false, work);
    }

    /** Runs {@code work} recording a graph, also from inside a backward pass (where recording is off). */
    public static <T> T on(Supplier<T> work) {
        return with(true, work);
    }

    public static boolean isEnabled() {
        Torch.ensureLoaded();
        return GradMode.is_enabled();
    }

    private static <T> T with(boolean enabled, Supplier<T> work) {
        Torch.ensureLoaded();
        boolean previous = GradMode.is_enabled();
        GradMode.set_enabled(enabled);
        try {
            return work.get();
        } finally {
            GradMode.set_enabled(previous);
        }
    }
}
