package io.github.revnet.core.kernels;

import io.github.revnet.bridge.ReferenceKernels;

/** Which kernels a check runs on. */
public enum Kernels {
    /** What training, benchmarks and evaluation run: every convolution on the route the audit chose on this CPU. */
    PRODUCTION("production: the kernels training runs, each convolution on the route the kernel audit chose on this CPU"),
    /** LibTorch's own kernels with oneDNN switched off for the whole run: a second opinion, which no training uses. */
    REFERENCE("reference: LibTorch's own kernels, oneDNN off (a second opinion; training does not run these)");

    private final String description;

    Kernels(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public String label() {
        return name().toLowerCase();
    }

    @Override
    public String toString() {
        return label();
    }

    /** Holds these kernels until closed (production: nothing to hold). */
    public AutoCloseable hold() {
        if (this == PRODUCTION) {
            return () -> { };
        }
        ReferenceKernels hold = ReferenceKernels.hold();
        KernelRouting.forget();
        return () -> {
            hold.close();
            KernelRouting.forget();
        };
    }

    public static Kernels parse(String text) {
        for (Kernels k : values()) {
            if (k.label().equalsIgnoreCase(text.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("--kernels must be production or reference, got '" + text + "'");
    }
}
