package io.github.revnet.bench;

import java.util.List;

/**
 * What a benchmark run measures. {@link #quick()} is the smoke version (about 3 minutes on 2
 * cores), {@link #standard()} the default report, sized for a 2-core CPU.
 */
public record Sweep(String name, List<Config> configs, List<Integer> driftDepths, int driftBatch, int driftImageSize,
        int warmups, int samples, String passModel, int passBatch) {

    /** One model at one batch size, timed and measured in the given modes. */
    public record Config(String model, int batch, int imageSize, String dtype, List<String> modes, int blocks) {
    }

    private static final List<String> ALL_MODES = List.of("stored", "reversible", "checkpoint");
    private static final List<String> STORED = List.of("stored");

    public static Sweep quick() {
        return new Sweep("quick", List.of(
                new Config("stack-2", 16, 32, "float32", ALL_MODES, 2),
                new Config("stack-8", 16, 32, "float32", ALL_MODES, 8),
                new Config("stack-32", 16, 32, "float32", ALL_MODES, 32),
                new Config("revnet-38", 32, 32, "float32", ALL_MODES, 9),
                new Config("resnet-32", 32, 32, "float32", STORED, 15)),
                List.of(2, 8, 32), 2, 16, 1, 4, "revnet-38", 32);
    }

    public static Sweep standard() {
        return new Sweep("standard", List.of(
                new Config("stack-2", 32, 32, "float32", ALL_MODES, 2),
                new Config("stack-4", 32, 32, "float32", ALL_MODES, 4),
                new Config("stack-8", 32, 32, "float32", ALL_MODES, 8),
                new Config("stack-16", 32, 32, "float32", ALL_MODES, 16),
                new Config("stack-32", 32, 32, "float32", ALL_MODES, 32),
                new Config("stack-64", 32, 32, "float32", ALL_MODES, 64),
                new Config("revnet-38", 32, 32, "float32", ALL_MODES, 9),
                new Config("revnet-110", 32, 32, "float32", ALL_MODES, 27),
                new Config("revnet-164", 32, 32, "float32", ALL_MODES, 27),
                new Config("resnet-32", 32, 32, "float32", STORED, 15),
                new Config("resnet-110", 32, 32, "float32", STORED, 54),
                new Config("resnet-164", 32, 32, "float32", STORED, 54)),
                List.of(2, 4, 8, 16, 32, 64), 2, 16, 2, 5, "revnet-164", 32);
    }
}
