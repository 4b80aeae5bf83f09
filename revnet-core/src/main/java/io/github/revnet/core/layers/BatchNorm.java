package io.github.revnet.core.layers;

import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.KernelRouting;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Tensor;

/** 2-D batch normalisation with LibTorch's defaults (momentum 0.1, eps 1e-5, affine). */
public final class BatchNorm extends Layer {
    private final int channels;
    private final BatchNorm2dImpl norm;

    public BatchNorm(int channels) {
        this.channels = Check.positive("batch-norm channels", channels);
        norm = addNative("bn", new BatchNorm2dImpl(new BatchNormOptions(channels)));
    }

    @Override
    public Tensor forward(Tensor input) {
        if (isTraining()) {
            KernelRouting.requireBatchNorm(input);
        }
        return norm.forward(input);
    }

    @Override
    public long[] outputShape(long[] s) {
        Check.rank4("batch-norm input", s);
        if (s[1] != channels) {
            throw new IllegalArgumentException("batch norm expects " + channels + " channels, got " + s[1]);
        }
        return s.clone();
    }
}
