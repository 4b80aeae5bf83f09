package io.github.revnet.gate;

/**
 * How a case's input tensor is laid out in memory: contiguous; channels last (for tokens: features
 * major, a transposed view); or a slice of a wider tensor along the last dimension. Kernels take
 * other paths, and reductions other orders, for each; a block must be right under all of them.
 */
public enum InputLayout {
    CONTIGUOUS, CHANNELS_LAST, SLICED
}
