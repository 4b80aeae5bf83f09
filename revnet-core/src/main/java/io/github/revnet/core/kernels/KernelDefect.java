package io.github.revnet.core.kernels;

import io.github.revnet.core.NumericalFailure;

/**
 * LibTorch computes a kernel wrongly on this CPU on every route the harness has for it: LibTorch's defect, named as
 * such, never the model's or the user's block's. The command line exits 3 for it.
 */
public final class KernelDefect extends NumericalFailure {
    public KernelDefect(String message) {
        super(message);
    }
}
