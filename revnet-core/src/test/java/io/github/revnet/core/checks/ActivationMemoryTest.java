package io.github.revnet.core.checks;

import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.reversible.ReversibleStack;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("measures-memory") // run with GlibcMalloc.RETURN_TO_OS (the memory-measurements execution)
class ActivationMemoryTest {
    private static final int CHANNELS = 32;

    private static long peak(int blocks, Mode mode) {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(3);
            ReversibleStack stack = ReversibleStack.of(blocks, CHANNELS, FunctionOptions.of(1, 1));
            Tensor x = torch.randn(new long[] {32, CHANNELS, 32, 32}, new TensorOptions(torch.ScalarType.Float));
            // Transient allocations elsewhere in the process (thread pools, JIT) only ever add to a
            // peak, so the smaller of two readings is the better one.
            return Math.min(ActivationMemory.ofStack(stack, x, mode), ActivationMemory.ofStack(stack, x, mode));
        }
    }

    @Test
    void reversibleActivationMemoryDoesNotGrowWithDepthWhileStoredDoes() {
        assertTrue(MemoryMeter.cpuSettingsInEffect(), "the memory-measurements execution sets " + MemoryMeter.MMAP_THRESHOLD_VARIABLE);
        long activation = 32L * CHANNELS * 32 * 32 * 4;
        peak(2, Mode.REVERSIBLE); // first use of LibTorch's thread pools and kernels is not the stack's memory
        long rev4 = peak(4, Mode.REVERSIBLE);
        long rev16 = peak(16, Mode.REVERSIBLE);
        long stored4 = peak(4, Mode.STORED);
        long stored16 = peak(16, Mode.STORED);
        String figures = String.format("peaks in MiB: reversible 4=%.1f 16=%.1f, stored 4=%.1f 16=%.1f (one activation %.1f)",
                rev4 / 1048576.0, rev16 / 1048576.0, stored4 / 1048576.0, stored16 / 1048576.0, activation / 1048576.0);
        System.out.println(figures);
        double growth = (double) rev16 / rev4;
        assertTrue(growth > 0.9 && growth < 1.1, "reversible peak must stay within 10% from 4 to 16 blocks; " + figures);
        // 12 more blocks store at least one activation each in stored mode.
        assertTrue(stored16 - stored4 > 12 * activation, "stored mode must grow with depth; " + figures);
        assertTrue(rev16 < stored16 / 3, "reversible must use far less than stored at 16 blocks; " + figures);
    }
}
