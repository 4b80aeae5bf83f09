package io.github.revnet.bridge;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Run by {@link MallocCounterTest} in a JVM of its own: prints "name bytes" per measured region. */
public final class MallocCounterChild {
    private static final long MIB = 1024L * 1024L;

    private MallocCounterChild() {
    }

    public static void main(String[] args) {
        System.out.println("active " + (MallocCounter.active() ? 1 : 0));
        System.out.println("warm-up " + read(() -> ones(16 * MIB)));
        System.out.println("nothing " + read(() -> { }));
        System.out.println("one-64MiB-tensor " + lowest(() -> ones(64 * MIB)));
        // 2048 tensors of 32 KiB: glibc serves them from its heap, below any mmap threshold. The second time round
        // they reuse heap pages that stay resident, which a resident-size reading would not see.
        System.out.println("small-tensors-first " + read(MallocCounterChild::smallTensors));
        System.out.println("small-tensors-again " + read(MallocCounterChild::smallTensors));
    }

    private static long read(MemoryMeter.Work work) {
        return MemoryMeter.measureCpu(work).peakBytes();
    }

    /**
     * The lowest of three readings. The counter sees every thread's mallocs, and the JVM's own threads (the JIT compiler)
     * allocate now and then: a clean CI run read one 64 MiB tensor as 64 MiB + 0.98 MiB. Such noise only adds.
     */
    private static long lowest(MemoryMeter.Work work) {
        long low = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            low = Math.min(low, read(work));
        }
        return low;
    }

    private static void ones(long bytes) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor t = torch.ones(new long[] {bytes / 8}, new TensorOptions(torch.ScalarType.Double));
            if (t.sum().item_double() <= 0) {
                throw new AssertionError("sum of ones");
            }
        }
    }

    private static void smallTensors() {
        try (NativeScope scope = NativeScope.open()) {
            List<Tensor> held = new ArrayList<>();
            for (int i = 0; i < 2048; i++) {
                held.add(torch.ones(new long[] {32 * 1024 / 8}, new TensorOptions(torch.ScalarType.Double)));
            }
            if (held.size() != 2048) {
                throw new AssertionError("held");
            }
        }
    }
}
