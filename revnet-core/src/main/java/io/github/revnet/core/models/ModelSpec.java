package io.github.revnet.core.models;

import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.reversible.Coupling;
import java.util.Arrays;
import java.util.List;

/**
 * The architecture of a named model. Convolutional families: residual function kind, units per
 * stage and widths (stem first, then one per stage), as in Table 1 of Gomez et al. (2017) and He et
 * al. (2016). Transformer families: the {@link Transformer} shape.
 */
public record ModelSpec(String name, Family family, FunctionOptions.Kind kind, int[] units, int[] widths, boolean imagenet,
        double paperParamsMillions, Transformer transformer, ScriptedBlock scripted) {

    /** Reversible or ordinary residual network, reversible (RevViT, Mangalam et al., 2022) or ordinary vision transformer. */
    public enum Family {
        REVNET, RESNET, REVVIT, VIT
    }

    /**
     * A vision transformer: square images of {@code imageSize} cut into patches of {@code patch}
     * pixels, {@code depth} blocks over tokens of {@code width} features (per stream, for RevViT),
     * {@code heads} attention heads, MLP ratio {@code mlpRatio}; mean pooling and a linear head.
     */
    public record Transformer(int imageSize, int patch, int width, int depth, int heads, int mlpRatio, Coupling coupling) {
        /** A transformer whose coupling comes from the model options. */
        public Transformer(int imageSize, int patch, int width, int depth, int heads, int mlpRatio) {
            this(imageSize, patch, width, depth, heads, mlpRatio, null);
        }

        public int tokens() {
            return (imageSize / patch) * (imageSize / patch);
        }

        /** The options of its blocks' functions. */
        public TransformerOptions options() {
            return TransformerOptions.of(width).heads(heads).mlpRatio(mlpRatio);
        }
    }

    /** A convolutional spec. */
    public ModelSpec(String name, Family family, FunctionOptions.Kind kind, int[] units, int[] widths, boolean imagenet,
            double paperParamsMillions) {
        this(name, family, kind, units, widths, imagenet, paperParamsMillions, null, null);
    }

    /** A convolutional or transformer spec of the zoo (no user block). */
    public ModelSpec(String name, Family family, FunctionOptions.Kind kind, int[] units, int[] widths, boolean imagenet,
            double paperParamsMillions, Transformer transformer) {
        this(name, family, kind, units, widths, imagenet, paperParamsMillions, transformer, null);
    }

    /** A transformer spec. */
    static ModelSpec transformer(String name, boolean reversible, Transformer t) {
        return new ModelSpec(name, reversible ? Family.REVVIT : Family.VIT, null, new int[0], new int[0], false, Double.NaN, t);
    }

    static final List<ModelSpec> ZOO = List.of(
            new ModelSpec("revnet-38", Family.REVNET, FunctionOptions.Kind.BASIC, new int[] {3, 3, 3}, new int[] {32, 32, 64, 112}, false, 0.46),
            new ModelSpec("revnet-110", Family.REVNET, FunctionOptions.Kind.BASIC, new int[] {9, 9, 9}, new int[] {32, 32, 64, 128}, false, 1.73),
            new ModelSpec("revnet-164", Family.REVNET, FunctionOptions.Kind.BOTTLENECK, new int[] {9, 9, 9}, new int[] {32, 32, 64, 128}, false, 1.75),
            new ModelSpec("revnet-104", Family.REVNET, FunctionOptions.Kind.BOTTLENECK, new int[] {2, 2, 11, 2}, new int[] {128, 128, 256, 512, 832}, true, 45.2),
            new ModelSpec("resnet-32", Family.RESNET, FunctionOptions.Kind.BASIC, new int[] {5, 5, 5}, new int[] {16, 16, 32, 64}, false, 0.46),
            new ModelSpec("resnet-110", Family.RESNET, FunctionOptions.Kind.BASIC, new int[] {18, 18, 18}, new int[] {16, 16, 32, 64}, false, 1.73),
            new ModelSpec("resnet-164", Family.RESNET, FunctionOptions.Kind.BOTTLENECK, new int[] {18, 18, 18}, new int[] {16, 16, 32, 64}, false, 1.70),
            new ModelSpec("resnet-101", Family.RESNET, FunctionOptions.Kind.BOTTLENECK, new int[] {3, 4, 23, 3}, new int[] {64, 64, 128, 256, 512}, true, 44.5),
            // Sized to train on 2 CPU cores: Fashion-MNIST padded to 32×32 as for the RevNets, 8×8 patches (16 tokens), 6 blocks of width 64.
            transformer("revvit-tiny", true, new Transformer(32, 8, 64, 6, 4, 2)),
            transformer("vit-tiny", false, new Transformer(32, 8, 64, 6, 4, 2)),
            // For benchmarks: 32×32 images, 2×2 patches (256 tokens), 12 blocks of width 128.
            transformer("revvit-small", true, new Transformer(32, 2, 128, 12, 4, 4)),
            transformer("vit-small", false, new Transformer(32, 2, 128, 12, 4, 4)));

    /** The spec called {@code name}, case-insensitively. */
    public static ModelSpec named(String name) {
        for (ModelSpec spec : ZOO) {
            if (spec.name.equalsIgnoreCase(name)) {
                return spec;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "': expected one of " + names());
    }

    /**
     * A synthetic RevNet for depth sweeps: a 3×3 stem to {@code width} channels, then
     * {@code blocks} reversible basic blocks at that width, no transitions.
     */
    public static ModelSpec synthetic(int blocks, int width) {
        if (blocks < 1) {
            throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
        }
        return new ModelSpec("stack-" + blocks, Family.REVNET, FunctionOptions.Kind.BASIC, new int[] {blocks}, new int[] {width, width},
                false, Double.NaN);
    }

    private static final java.util.regex.Pattern SYNTHETIC_REVVIT = java.util.regex.Pattern.compile("revvit-d(\\d+)-t(\\d+)(-affine)?");

    /**
     * A synthetic RevViT for depth and sequence-length sweeps: {@code depth} blocks of width 64, 4
     * heads, MLP ratio 2, over {@code tokens} tokens (4×4 patches of square images, so the token
     * count must be a square), with the affine coupling when asked, else the options'.
     */
    public static ModelSpec syntheticTransformer(int depth, int tokens, boolean affine) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth must be >= 1, got " + depth);
        }
        int side = (int) Math.round(Math.sqrt(tokens));
        if (tokens < 1 || side * side != tokens) {
            throw new IllegalArgumentException("token count must be a square (patches of a square image), got " + tokens);
        }
        return transformer("revvit-d" + depth + "-t" + tokens + (affine ? "-affine" : ""), true,
                new Transformer(4 * side, 4, 64, depth, 4, 2, affine ? Coupling.AFFINE : null));
    }

    private static final java.util.regex.Pattern SCRIPTED = java.util.regex.Pattern.compile("scripted-d(\\d+)");

    /** A stack of {@code blocks} copies of the user's TorchScript {@code block} behind a 3×3 stem, with the usual classifier head. */
    public static ModelSpec scripted(int blocks, ScriptedBlock block) {
        if (blocks < 1) {
            throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
        }
        int c = block.channels();
        return new ModelSpec("scripted-d" + blocks, Family.REVNET, FunctionOptions.Kind.BASIC, new int[] {blocks}, new int[] {c, c}, false,
                Double.NaN, null, block);
    }

    /** Whether this is a {@link #scripted} model. */
    public boolean isScripted() {
        return scripted != null;
    }

    /** A zoo model, {@code stack-N} for a synthetic stack of N blocks at width 32, {@code revvit-dD-tT[-affine]}, or {@code scripted-dN}. */
    public static ModelSpec resolve(String name) {
        java.util.regex.Matcher scripted = SCRIPTED.matcher(name.toLowerCase());
        if (scripted.matches()) {
            return scripted(Integer.parseInt(scripted.group(1)), ScriptedBlock.inUse().orElseThrow(() -> new IllegalArgumentException(
                    name + " is a stack of your TorchScript block, and none is in use: ./revnet bench --f --g --shape chooses it")));
        }
        java.util.regex.Matcher revvit = SYNTHETIC_REVVIT.matcher(name.toLowerCase());
        if (revvit.matches()) {
            return syntheticTransformer(Integer.parseInt(revvit.group(1)), Integer.parseInt(revvit.group(2)), revvit.group(3) != null);
        }
        if (name.toLowerCase().startsWith("stack-")) {
            try {
                return synthetic(Integer.parseInt(name.substring(6)), 32);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("synthetic stacks are named stack-N with N a block count, got '" + name + "'");
            }
        }
        return named(name);
    }

    public static List<String> names() {
        return ZOO.stream().map(ModelSpec::name).toList();
    }

    public boolean reversible() {
        return family == Family.REVNET || family == Family.REVVIT;
    }

    public boolean isTransformer() {
        return transformer != null;
    }

    /** Whether the model normalises with batch statistics: every convolutional network (its final norm at least), no transformer. */
    public boolean batchNorm() {
        return transformer == null;
    }

    /** The input size: a transformer's own, 224 for ImageNet models, 32 for CIFAR ones. */
    public int defaultImageSize() {
        return transformer != null ? transformer.imageSize() : imagenet ? 224 : 32;
    }

    /** Output channels of stage i (bottlenecks expand by 4). */
    int stageChannels(int stage) {
        return kind == FunctionOptions.Kind.BOTTLENECK ? 4 * widths[stage + 1] : widths[stage + 1];
    }

    @Override
    public String toString() {
        if (transformer != null) {
            return name + " (" + family.name().toLowerCase() + ", " + transformer + ")";
        }
        return name + " (" + family.name().toLowerCase() + ", " + kind.name().toLowerCase() + ", units " + Arrays.toString(units)
                + ", widths " + Arrays.toString(widths) + ")";
    }
}
