package io.github.revnet.core.kernels;

/**
 * How a convolution is computed. The two layouts reach LibTorch's default dispatch (oneDNN for float32 and bfloat16
 * on x86 CPUs), which picks a different kernel for each; the reference route calls LibTorch's own im2col-and-GEMM kernel
 * ({@code slow_conv2d}, {@code thnn_conv2d}) directly, for this convolution alone, with its own backward.
 */
public enum ConvRoute {
    CONTIGUOUS("oneDNN, contiguous"),
    CHANNELS_LAST("oneDNN, channels-last"),
    REFERENCE("reference kernel (slow_conv2d)");

    private final String description;

    ConvRoute(String description) {
        this.description = description;
    }

    public static ConvRoute of(Layout layout) {
        return layout == Layout.CONTIGUOUS ? CONTIGUOUS : CHANNELS_LAST;
    }

    /** The layout this route runs on, or null for the reference route (its own contiguous kernel). */
    public Layout layout() {
        return switch (this) {
            case CONTIGUOUS -> Layout.CONTIGUOUS;
            case CHANNELS_LAST -> Layout.CHANNELS_LAST;
            case REFERENCE -> null;
        };
    }

    public String description() {
        return description;
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
