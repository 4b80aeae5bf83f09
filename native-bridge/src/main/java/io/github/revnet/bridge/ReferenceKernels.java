package io.github.revnet.bridge;

import org.bytedeco.pytorch.global.torch;

/**
 * LibTorch's oneDNN (mkldnn) CPU kernels switched off while held, so that convolutions run
 * LibTorch's own reference kernels. Nested holds share one switch; the last to close restores the
 * setting found by the first.
 *
 * <p>A second opinion, not the default: the harness's own convolutions are routed per configuration by the kernel audit
 * ({@code KernelRouting}), and a user's TorchScript block whose convolutions are right on neither layout runs under this
 * switch (the switch is process-wide and reaches the convolutions inside a script, which no per-call route does).
 * {@code ./revnet check --kernels reference} runs a whole check under it. Why it exists: on some AVX-512 CPUs LibTorch
 * 2.10's oneDNN computes float32 convolutions wrongly (NaN input gradients at 3-12 channels when freed memory held NaN,
 * 29-44 % errors at 24 and 56 channels on EPYC family 26), and LibTorch's own kernels are right there.
 *
 * <p>NNPACK goes off with it (it is off from the first load anyway, {@link Torch#ensureLoaded}): without oneDNN, LibTorch
 * tries NNPACK for every batched convolution, and on a CPU it does not support prints a warning each time.
 */
public final class ReferenceKernels implements AutoCloseable {
    private static int holders;
    private static boolean enabledBefore;
    private static boolean nnpackBefore;
    private boolean closed;

    private ReferenceKernels() {
    }

    /** Switches oneDNN off until the returned hold (and every other) is closed. */
    public static ReferenceKernels hold() {
        Torch.ensureLoaded();
        synchronized (ReferenceKernels.class) {
            if (holders++ == 0) {
                enabledBefore = torch.globalContext().userEnabledMkldnn();
                torch.globalContext().setUserEnabledMkldnn(false);
                nnpackBefore = torch.globalContext().userEnabledNNPACK();
                torch.globalContext().setUserEnabledNNPACK(false);
            }
        }
        return new ReferenceKernels();
    }

    /** Whether LibTorch may use oneDNN now. */
    public static boolean oneDnnEnabled() {
        Torch.ensureLoaded();
        return torch.globalContext().userEnabledMkldnn();
    }

    @Override
    public void close() {
        synchronized (ReferenceKernels.class) {
            if (!closed) {
                closed = true;
                if (--holders == 0) {
                    torch.globalContext().setUserEnabledMkldnn(enabledBefore);
                    torch.globalContext().setUserEnabledNNPACK(nnpackBefore);
                }
            }
        }
    }
}
