package io.github.revnet.core.training;

import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Mode;
import org.bytedeco.pytorch.global.torch;

/**
 * Run in a JVM of its own by {@link NativeMemorySoakTest}, with a fixed-size, pre-touched Java
 * heap so that resident memory moves only with native memory. Arguments: mode, steps, warm-up,
 * "gc" or "no-gc", "leak" or "no-leak". Prints one line per sample and the drift.
 */
public final class SoakProbe {
    private SoakProbe() {
    }

    public static void main(String[] args) {
        Torch.setThreads(1);
        // Batch 4 of 8x8 images: what a soak watches (native handles left to the collector, resident memory after the JIT's
        // warm-up) depends on the number of steps, not on their size, and 400 steps take 24 s here instead of 165 s at
        // batch 16 of 16x16.
        var options = new Soak.Options("revnet-38", Mode.parse(args[0]), 4, 8, Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args[3].equals("gc"));
        // The negative control: a 256 KiB tensor per step created outside any scope, left to the collector.
        Runnable afterStep = args[4].equals("leak") ? () -> torch.ones(65536).sum() : () -> { };
        Soak.Result r = Soak.run(options, 20, s -> System.out.printf("sample step=%d rss=%d handles=%d%n", s.step(), s.residentBytes(),
                s.handlesAwaitingCollector()), afterStep);
        System.out.printf("result drift=%.6f handles=%d baseline=%d%n", r.residentDrift(), r.handleGrowth(), r.baseline().residentBytes());
    }
}
