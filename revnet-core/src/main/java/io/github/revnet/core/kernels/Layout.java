package io.github.revnet.core.kernels;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The memory layout a convolution runs on, which decides the kernel LibTorch and oneDNN pick for it. */
public enum Layout {
    CONTIGUOUS(torch.MemoryFormat.Contiguous),
    CHANNELS_LAST(torch.MemoryFormat.ChannelsLast);

    private final torch.MemoryFormat format;

    Layout(torch.MemoryFormat format) {
        this.format = format;
    }

    public torch.MemoryFormat format() {
        return format;
    }

    public Layout other() {
        return this == CONTIGUOUS ? CHANNELS_LAST : CONTIGUOUS;
    }

    /**
     * The layout LibTorch runs a convolution of {@code input} and {@code weight} on: channels-last when either suggests
     * it, as {@code at::native::_determine_backend_memory_format} decides for oneDNN.
     */
    public static Layout of(Tensor input, Tensor weight) {
        return channelsLast(input) || channelsLast(weight) ? CHANNELS_LAST : CONTIGUOUS;
    }

    private static boolean channelsLast(Tensor t) {
        return t.dim() == 4 && t.suggest_memory_format().value == torch.MemoryFormat.ChannelsLast.value;
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
