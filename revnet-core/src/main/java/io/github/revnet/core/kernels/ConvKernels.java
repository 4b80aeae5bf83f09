package io.github.revnet.core.kernels;

import io.github.revnet.bridge.Autocast;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The one place a routed convolution runs: on a layout through LibTorch's default dispatch, or on LibTorch's reference
 * kernel. The audit calls the same code as the models, so what it vouches for is what they compute (and a planted
 * {@link KernelFault} reaches both).
 */
public final class ConvKernels {
    private ConvKernels() {
    }

    /** The convolution of {@code input} with {@code weight} (no bias) on {@code route}. */
    public static Tensor run(Tensor input, Tensor weight, int stride, int padding, int groups, ConvRoute route) {
        return run(input, weight, null, stride, padding, groups, route);
    }

    /** The convolution of {@code input} with {@code weight} plus {@code bias} (null: none) on {@code route}. */
    public static Tensor run(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int groups, ConvRoute route) {
        long[] s = {stride, stride};
        long[] p = {padding, padding};
        Tensor output = switch (route) {
            case CONTIGUOUS, CHANNELS_LAST -> {
                torch.MemoryFormat format = route.layout().format();
                yield torch.conv2d(input.contiguous(format), weight.contiguous(format), bias == null ? new TensorOptional() : new TensorOptional(bias),
                        s, p, new long[] {1, 1}, groups);
            }
            case REFERENCE -> {
                Tensor y = reference(input, weight, s, p, groups);
                yield bias == null ? y : y.add(bias.to(y.scalar_type()).reshape(1, -1, 1, 1));
            }
        };
        KernelFault fault = KernelFault.Planted.current();
        return fault != null && fault.affects(ConvShape.of(input, weight, stride, padding, groups), route) ? fault.apply(output) : output;
    }

    /**
     * LibTorch's im2col-and-GEMM convolution ({@code thnn_conv2d}, autograd through {@code slow_conv2d_backward}), one
     * call per group. In bfloat16 it runs in float32 and rounds the result, as oneDNN accumulates: its own bfloat16
     * backward sums the k² overlapping columns of its input gradient in bfloat16 (8x8 channels over 32x32: 1.2 times the
     * bound of a float32 accumulation). It takes no part in CPU autocast, so under autocast its operands are taken as
     * autocast would take a convolution's.
     */
    private static Tensor reference(Tensor input, Tensor weight, long[] stride, long[] padding, int groups) {
        Autocast autocast = Autocast.current();
        torch.ScalarType result = input.scalar_type();
        if (autocast.enabled() && result.value == torch.ScalarType.Float.value) {
            result = autocast.dtype();
        }
        boolean widened = result.value == torch.ScalarType.BFloat16.value || result.value == torch.ScalarType.Half.value;
        Tensor x = widened ? input.to(torch.ScalarType.Float).contiguous() : input.contiguous();
        Tensor w = widened ? weight.to(torch.ScalarType.Float).contiguous() : weight.contiguous();
        Tensor y = Autocast.OFF.enter(() -> referenceConv(x, w, stride, padding, groups));
        return widened ? y.to(result) : y;
    }

    private static Tensor referenceConv(Tensor x, Tensor w, long[] stride, long[] padding, int groups) {
        long[] kernel = {w.size(2), w.size(3)};
        if (groups == 1) {
            return torch.thnn_conv2d(x, w, kernel, new TensorOptional(), stride, padding);
        }
        long in = x.size(1) / groups;
        long out = w.size(0) / groups;
        TensorVector parts = new TensorVector();
        for (int g = 0; g < groups; g++) {
            parts.push_back(torch.thnn_conv2d(x.narrow(1, g * in, in).contiguous(), w.narrow(0, g * out, out).contiguous(), kernel,
                    new TensorOptional(), stride, padding));
        }
        return torch.cat(parts, 1);
    }
}
