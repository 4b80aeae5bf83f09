package io.github.revnet.core.models;

import io.github.revnet.core.profile.FlopCount;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.layers.Dense;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.layers.TransformerUnit;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleStack;
import io.github.revnet.core.reversible.StreamLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A vision transformer: patch embedding plus learned positions → blocks → LayerNorm → mean over
 * tokens → linear classifier. Reversible (RevViT, Mangalam et al., 2022): the embedding is
 * duplicated into two streams, one {@link ReversibleStack} of transformer blocks runs in the mode a
 * forward asks for, and the two output streams are averaged. Ordinary (ViT): pre-norm residual
 * blocks whose activations are stored.
 */
public final class VisionTransformer extends Network {
    private final ModelSpec.Transformer shape;
    private final int inputChannels;
    private final Conv2dImpl patches;
    private final Tensor position;
    private final ReversibleStack stack;
    private final List<TransformerUnit> units = new ArrayList<>();
    private final LayerNormImpl finalNorm;
    private final Dense classifier;

    VisionTransformer(ModelSpec.Transformer shape, boolean reversible, ModelOptions o) {
        this.shape = shape;
        this.inputChannels = o.inputChannels();
        if (shape.imageSize() % shape.patch() != 0) {
            throw new IllegalArgumentException("image size must be a multiple of the patch size: " + shape.imageSize() + " is not"
                    + " divisible by " + shape.patch());
        }
        int width = shape.width();
        Conv2dOptions embed = new Conv2dOptions(o.inputChannels(), width, new LongPointer(shape.patch(), shape.patch()));
        embed.stride().put(0, shape.patch()).put(1, shape.patch());
        patches = addNative("patches", new Conv2dImpl(embed));
        position = new Tensor(module().register_parameter("position",
                torch.randn(1, shape.tokens(), width).mul(new Scalar(0.02)), true));
        TransformerOptions options = shape.options().dropout(o.dropout()).attentionDropout(o.dropout()).dropPath(o.dropPath());
        if (reversible) {
            Coupling coupling = shape.coupling() != null ? shape.coupling() : o.coupling();
            stack = add("blocks", ReversibleStack.transformer(shape.depth(), options, coupling));
        } else {
            stack = null;
            for (int i = 0; i < shape.depth(); i++) {
                units.add(add("block" + i, new TransformerUnit(options)));
            }
        }
        finalNorm = addNative("final_norm", new LayerNormImpl(new LayerNormOptions(new LongVector(new long[] {width}))));
        classifier = add("classifier", new Dense(width, o.classes()));
    }

    @Override
    public List<ReversibleStack> reversibleStacks() {
        return stack == null ? List.of() : List.of(stack);
    }

    @Override
    protected Tensor forwardUnits(Tensor input, Plan plan, BiConsumer<ReversibleStack, Tensor> stackInputs) {
        List<UnaryOperator<Tensor>> steps = new ArrayList<>();
        steps.add(x -> {
            Tensor embedded = KernelRouting.convolution(x, patches.weight(), patches.bias(), shape.patch(), 0, 1);
            FlopCount.convolution(patches.weight(), embedded);
            return embedded;
        });
        steps.add(x -> x.flatten(2, 3).transpose(1, 2).add(position)); // (B, D, h, w) → (B, T, D)
        if (stack != null) {
            steps.add(x -> torch.cat(new TensorVector(x, x), 2));
            steps.add(x -> {
                if (stackInputs != null) {
                    stackInputs.accept(stack, x);
                }
                return stack.forward(x, plan.modeOf(0));
            });
            steps.add(x -> {
                Tensor[] streams = StreamLayout.TOKENS.split(x);
                return streams[0].add(streams[1]).mul(new Scalar(0.5));
            });
        } else {
            for (TransformerUnit unit : units) {
                steps.add(unit::forward);
            }
        }
        steps.add(finalNorm::forward);
        steps.add(x -> x.mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
        steps.add(classifier::forward);
        return NativeScope.chain(input, steps);
    }

    public ModelSpec.Transformer shape() {
        return shape;
    }

    /** The token tensor entering the blocks: (batch, tokens, width), twice the width for RevViT's two streams. */
    public long[] tokenShape(long batch) {
        return new long[] {batch, shape.tokens(), stack != null ? 2L * shape.width() : shape.width()};
    }

    public List<TransformerUnit> units() {
        return List.copyOf(units);
    }

    @Override
    void checkInput(long[] s, String modelName, boolean training) {
        if (s[2] != shape.imageSize() || s[3] != shape.imageSize()) {
            throw new IllegalArgumentException(modelName + " expects " + shape.imageSize() + "x" + shape.imageSize() + " images (its "
                    + shape.tokens() + " learned positions), got " + s[2] + "x" + s[3] + " (shape " + Arrays.toString(s) + ")");
        }
    }

    @Override
    public long[] outputShape(long[] s) {
        StreamLayout.CHANNELS.check("vision transformer input", s);
        if (s[1] != inputChannels) {
            throw new IllegalArgumentException("vision transformer expects " + inputChannels + " input channels, got " + s[1]);
        }
        checkInput(s, "the vision transformer", false);
        return classifier.outputShape(new long[] {s[0], shape.width()});
    }
}
