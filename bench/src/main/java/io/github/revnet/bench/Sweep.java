package io.github.revnet.bench;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import java.util.List;

/**
 * What a benchmark run measures. {@link #quick()} is the smoke version (about 3 minutes on 2
 * cores), {@link #standard()} the default report, sized for a 2-core CPU. Every configuration is
 * timed in interleaved rounds of its modes, as many as {@link RoundBudget} {@code rounds} grants.
 * {@code front}, when not null, names the model whose memory-budget plans the report measures and
 * draws as a Pareto front.
 */
public record Sweep(String name, List<Config> configs, List<Integer> driftDepths, int driftBatch, int driftImageSize, RoundBudget rounds,
        Front front, Precision precision, double dropPath) {

    public Sweep(String name, List<Config> configs, List<Integer> driftDepths, int driftBatch, int driftImageSize, RoundBudget rounds,
            Front front, Precision precision) {
        this(name, configs, driftDepths, driftBatch, driftImageSize, rounds, front, precision, 0);
    }

    public Sweep(String name, List<Config> configs, List<Integer> driftDepths, int driftBatch, int driftImageSize, RoundBudget rounds,
            Front front) {
        this(name, configs, driftDepths, driftBatch, driftImageSize, rounds, front, Precision.FP32);
    }

    /**
     * This sweep with every configuration timed and measured under {@code policy}. Configurations the policy cannot
     * change or cannot run are left out, each reported to {@code skipped} with its reason: models without reversible
     * stacks (their rows would be fp32's under another name) and models the policy refuses ({@code refusal} gives the
     * model's own refusal, null when it accepts). The memory-budget front is measured under fp32 only.
     */
    public Sweep under(Precision policy, java.util.function.Function<Config, String> refusal, java.util.function.BiConsumer<Config, String> skipped) {
        if (policy == Precision.FP32) {
            return this;
        }
        List<Config> kept = new java.util.ArrayList<>();
        for (Config c : configs) {
            String why = c.modes().equals(STORED) ? "no reversible stacks, nothing for the policy to change" : refusal.apply(c);
            if (why == null) {
                kept.add(c);
            } else {
                skipped.accept(c, why);
            }
        }
        return new Sweep(name, List.copyOf(kept), driftDepths, driftBatch, driftImageSize, rounds, null, policy, dropPath);
    }

    /**
     * This sweep with every reversible transformer trained under drop-path {@code p}; the other configurations, which take
     * none, are left out and reported to {@code skipped}, and so are the drift and the memory-budget front.
     */
    public Sweep withDropPath(double p, java.util.function.BiConsumer<Config, String> skipped) {
        io.github.revnet.core.Check.probability("drop-path", p);
        if (p == 0) {
            return this;
        }
        List<Config> kept = new java.util.ArrayList<>();
        for (Config c : configs) {
            if (c.model().startsWith("revvit")) {
                kept.add(c);
            } else {
                skipped.accept(c, "drop-path applies to the reversible transformers (revvit-*)");
            }
        }
        return new Sweep(name, List.copyOf(kept), List.of(), driftBatch, driftImageSize, rounds, null, precision, p);
    }

    /** Every per-stack plan of {@code model} at {@code batch}: peaks in processes of their own, times in {@code rounds} interleaved rounds. */
    public record Front(String model, int batch, int imageSize, int rounds) {
    }

    /** One model at one batch size, timed and measured in the given modes. */
    public record Config(String model, int batch, int imageSize, DType dtype, List<Mode> modes, int blocks) {
    }

    private static final List<Mode> ALL_MODES = List.of(Mode.STORED, Mode.REVERSIBLE, Mode.CHECKPOINT);
    private static final List<Mode> STORED = List.of(Mode.STORED);

    public static Sweep quick() {
        return new Sweep("quick", List.of(
                new Config("stack-2", 16, 32, DType.FLOAT32, ALL_MODES, 2),
                new Config("stack-8", 16, 32, DType.FLOAT32, ALL_MODES, 8),
                new Config("stack-32", 16, 32, DType.FLOAT32, ALL_MODES, 32),
                new Config("revnet-38", 32, 32, DType.FLOAT32, ALL_MODES, 9),
                new Config("resnet-32", 32, 32, DType.FLOAT32, STORED, 15),
                transformer(2, 64, false, 16, ALL_MODES),
                transformer(8, 64, false, 16, ALL_MODES),
                transformer(8, 64, true, 16, ALL_MODES),
                transformer(4, 256, false, 4, ALL_MODES)),
                List.of(2, 8, 32), 2, 16, new RoundBudget(1, 6, 6, 6, 0.05, 0.03, List.of(), 0, 0), new Front("revnet-38", 4, 32, 2));
    }

    public static Sweep standard() {
        return new Sweep("standard", List.of(
                new Config("stack-2", 32, 32, DType.FLOAT32, ALL_MODES, 2),
                new Config("stack-4", 32, 32, DType.FLOAT32, ALL_MODES, 4),
                new Config("stack-8", 32, 32, DType.FLOAT32, ALL_MODES, 8),
                new Config("stack-16", 32, 32, DType.FLOAT32, ALL_MODES, 16),
                new Config("stack-32", 32, 32, DType.FLOAT32, ALL_MODES, 32),
                new Config("stack-64", 32, 32, DType.FLOAT32, ALL_MODES, 64),
                new Config("revnet-38", 32, 32, DType.FLOAT32, ALL_MODES, 9),
                new Config("revnet-110", 32, 32, DType.FLOAT32, ALL_MODES, 27),
                new Config("revnet-164", 32, 32, DType.FLOAT32, ALL_MODES, 27),
                new Config("resnet-32", 32, 32, DType.FLOAT32, STORED, 15),
                new Config("resnet-110", 32, 32, DType.FLOAT32, STORED, 54),
                new Config("resnet-164", 32, 32, DType.FLOAT32, STORED, 54),
                // The transformer family: depth at 64 tokens, sequence length at depth 4, affine beside additive, the zoo pair.
                transformer(2, 64, false, 8, ALL_MODES),
                transformer(4, 64, false, 8, ALL_MODES),
                transformer(8, 64, false, 8, ALL_MODES),
                transformer(16, 64, false, 8, ALL_MODES),
                transformer(32, 64, false, 8, ALL_MODES),
                transformer(64, 64, false, 8, ALL_MODES),
                transformer(8, 64, true, 8, ALL_MODES),
                transformer(4, 16, false, 8, ALL_MODES),
                transformer(4, 256, false, 8, ALL_MODES),
                transformer(4, 1024, false, 8, ALL_MODES),
                new Config("revvit-tiny", 64, 32, DType.FLOAT32, ALL_MODES, 6),
                new Config("vit-tiny", 64, 32, DType.FLOAT32, STORED, 6)),
                List.of(2, 4, 8, 16, 32, 64), 2, 16, new RoundBudget(1, 6, 6, 400, 0.05, 0.03, List.of("revnet-164"), 1000, 100),
                new Front("revnet-38", 8, 32, 6));
    }

    /** The RevViT family alone, with fewer samples: about 10 minutes on 2 cores. */
    public static Sweep transformers() {
        return new Sweep("transformers", List.of(
                transformer(2, 64, false, 16, ALL_MODES),
                transformer(8, 64, false, 16, ALL_MODES),
                transformer(32, 64, false, 16, ALL_MODES),
                transformer(64, 64, false, 16, ALL_MODES),
                transformer(8, 64, true, 16, ALL_MODES),
                transformer(4, 16, false, 4, ALL_MODES),
                transformer(4, 256, false, 4, ALL_MODES),
                transformer(4, 1024, false, 4, ALL_MODES),
                new Config("revvit-tiny", 64, 32, DType.FLOAT32, ALL_MODES, 6),
                new Config("vit-tiny", 64, 32, DType.FLOAT32, STORED, 6)),
                List.of(2, 8, 32), 2, 16, new RoundBudget(1, 6, 6, 200, 0.05, 0.03, List.of("revvit-tiny"), 420, 100), null);
    }

    /**
     * A user's TorchScript block (see {@code ModelSpec.scripted}): stacks of 2 to 64 copies on
     * batch × channels × size × size inputs, every mode, each depth with its own k.
     */
    public static Sweep scripted(int batch, int imageSize) {
        List<Config> configs = new java.util.ArrayList<>();
        for (int depth : new int[] {2, 4, 8, 16, 32, 64}) {
            configs.add(new Config("scripted-d" + depth, batch, imageSize, DType.FLOAT32, ALL_MODES, depth));
        }
        return new Sweep("scripted", configs, List.of(), batch, imageSize, new RoundBudget(1, 6, 6, 200, 0.05, 0.03, List.of("scripted-d8"),
                360, 100), null);
    }

    /** A synthetic RevViT config (see {@code ModelSpec.syntheticTransformer}). */
    static Config transformer(int depth, int tokens, boolean affine, int batch, List<Mode> modes) {
        return new Config("revvit-d" + depth + "-t" + tokens + (affine ? "-affine" : ""), batch, 4 * (int) Math.round(Math.sqrt(tokens)),
                DType.FLOAT32, modes, depth);
    }
}
