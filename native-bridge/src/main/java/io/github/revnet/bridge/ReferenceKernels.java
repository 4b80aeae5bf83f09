package io.github.revnet.bridge;

import org.bytedeco.pytorch.global.torch;

/**
 * LibTorch's oneDNN (mkldnn) CPU kernels switched off while held, so that convolutions run
 * LibTorch's own reference kernels. Nested holds share one switch; the last to close restores the
 * setting found by the first.
 *
 * <p>Why: in LibTorch 2.10 the oneDNN backward of a float32 3x3 convolution over a channel count
 * that is not a multiple of 16 reads memory it never wrote (the padding of its blocked layout),
 * so its input gradient is NaN whenever the allocator hands it memory that once held NaN: 13 to
 * 68 % of runs at 3, 4, 8 and 12 channels, never at 16, never without oneDNN, never in float64
 * (which oneDNN does not serve). The gate compares passes bit for bit, so it holds this switch;
 * the benchmarks do not, since oneDNN is what a user's training runs (5x faster at 64 channels).
 *
 * <p>NNPACK goes off with it: without oneDNN, LibTorch tries NNPACK for every batched convolution,
 * and on a CPU it does not support prints a warning each time (a million lines in a 1,000-case run).
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
