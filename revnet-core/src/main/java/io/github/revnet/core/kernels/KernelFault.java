package io.github.revnet.core.kernels;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Kernel defects planted into the one place convolutions run ({@link ConvKernels}), so that the audit and the routing
 * can be shown to catch what they exist to catch on a CPU whose kernels happen to be right. Each imitates a defect class
 * oneDNN has shipped: wrong lanes of a padded blocked layout, and a small systematic error. A fault wraps the kernel's
 * output, so it reaches the forward and, through autograd, both gradients.
 */
public enum KernelFault {
    /**
     * The contiguous route's output channels past the last multiple of 16 (the lanes of oneDNN's {@code aBcd16b} layout
     * that its padding shares) come out 1.3 times too large: what a kernel that reads unwritten padding gave at 24 and 56
     * channels on an AVX-512 CPU without AMX (29-44 % off).
     */
    PADDING_LANES("the contiguous route's channels past the last multiple of 16 off by 30 %"),
    /** Both oneDNN routes' outputs off by a relative 1e-4: far above float32's rounding, invisible to the eye. */
    OFF_BY_1E4("both oneDNN routes' outputs off by 1e-4 (relative)");

    private final String description;

    KernelFault(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }

    public static KernelFault parse(String text) {
        for (KernelFault f : values()) {
            if (f.label().equalsIgnoreCase(text.trim()) || f.name().equalsIgnoreCase(text.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown kernel fault '" + text + "': expected padding-lanes or off-by-1e4");
    }

    /** Whether this fault changes a convolution of {@code shape} on {@code route}. */
    public boolean affects(ConvShape shape, ConvRoute route) {
        return switch (this) {
            case PADDING_LANES -> route == ConvRoute.CONTIGUOUS && shape.out() % 16 != 0;
            case OFF_BY_1E4 -> route != ConvRoute.REFERENCE;
        };
    }

    Tensor apply(Tensor output) {
        return switch (this) {
            case PADDING_LANES -> {
                long out = output.size(1);
                long full = out / 16 * 16;
                yield torch.cat(new TensorVector(output.narrow(1, 0, full), output.narrow(1, full, out - full).mul(new Scalar(1.3))), 1);
            }
            case OFF_BY_1E4 -> output.mul(new Scalar(1 + 1e-4));
        };
    }

    /** Plants this fault until the returned hold is closed; routing decisions made before or during it are forgotten. */
    public Planted plant() {
        return new Planted(this);
    }

    /** A planted fault; closing it removes the fault and the decisions made under it. */
    public static final class Planted implements AutoCloseable {
        private static volatile KernelFault current;

        private Planted(KernelFault fault) {
            synchronized (Planted.class) {
                if (current != null) {
                    throw new IllegalStateException("kernel fault " + current.label() + " is already planted");
                }
                current = fault;
            }
            KernelRouting.forget();
        }

        static KernelFault current() {
            return current;
        }

        @Override
        public void close() {
            synchronized (Planted.class) {
                current = null;
            }
            KernelRouting.forget();
        }
    }
}
