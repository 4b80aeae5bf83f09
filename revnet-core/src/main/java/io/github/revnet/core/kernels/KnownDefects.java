package io.github.revnet.core.kernels;

/**
 * Kernels the audit must not run, because running them corrupts the process: a wrong result can be measured and routed
 * around, a write past a buffer cannot (it surfaces later, elsewhere, as a crash). Each entry was found by the audit's
 * generated configurations and reduced by hand; the routing skips the route and records why.
 */
final class KnownDefects {
    private KnownDefects() {
    }

    /**
     * Why running {@code shape} on {@code route} is unsafe, or null. oneDNN 3.7.1 (LibTorch 2.10) on an AVX-512 CPU: the
     * backward of a channels-last 1x1 convolution with stride 2 over fewer than 16 input channels ({@code brgconv_strided}
     * backward_data, {@code jit_bf16_1x1} backward_weights) writes past its buffers; glibc's heap checks abort the process
     * ("free(): invalid pointer") or oneDNN's primitive cache crashes later when it frees a kernel (AMD EPYC family 25,
     * float32 and bfloat16; e.g. 8 -> 15 channels over 16x10, batch 3; on family 26 the same route, run once outside this
     * check, aborted 5 of 12 runs of a property with "free(): invalid next size" or "double free or corruption"). 16 input channels and stride 1 were clean. Upstream
     * knows the class: a 1x1 backward-weights kernel writing past its workspace, uxlfoundation/oneDNN #6035.
     */
    static String unsafe(ConvShape shape, ConvRoute route) {
        if (route == ConvRoute.CHANNELS_LAST && shape.kernel() == 1 && shape.stride() > 1 && shape.in() / shape.groups() < 16) {
            return "oneDNN's channels-last strided 1x1 backward over fewer than 16 input channels writes past its buffers"
                    + " (heap corruption; docs/kernels.md)";
        }
        return null;
    }
}
