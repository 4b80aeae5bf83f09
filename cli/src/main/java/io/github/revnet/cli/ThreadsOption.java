package io.github.revnet.cli;

import io.github.revnet.bridge.Torch;
import picocli.CommandLine.Option;

/** The --threads option every computing command shares (a picocli mixin). */
final class ThreadsOption {
    @Option(names = "--threads", defaultValue = "0", description = "LibTorch intra-op threads (default: all cores)")
    int threads;

    /** Sets LibTorch's thread count: the option's value, or all cores when it is 0. */
    void apply() {
        apply(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /** Sets LibTorch's thread count: the option's value, or {@code otherwise} when it is 0 (a worker's share of the cores). */
    void apply(int otherwise) {
        int t = requested();
        Torch.setThreads(t > 0 ? t : otherwise);
    }

    /** The option's value, checked: 0 for all cores. */
    int requested() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 0 (0 = all cores), got " + threads);
        }
        return threads;
    }
}
