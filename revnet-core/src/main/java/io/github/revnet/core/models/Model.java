package io.github.revnet.core.models;

import io.github.revnet.bridge.NativeArena;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.Check;
import io.github.revnet.core.DType;
import io.github.revnet.core.Device;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.ReplicaSum;
import io.github.revnet.core.Precision;
import io.github.revnet.core.layers.BatchNorm;
import io.github.revnet.core.layers.Conv;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.ResidualUnit;
import io.github.revnet.core.layers.ScriptedFunction;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A RevNet or ResNet from the zoo, owning its native modules until {@link #close()}. The same
 * modules and weights run in every {@link Mode}.
 */
public final class Model implements AutoCloseable {
    private final NativeArena arena = new NativeArena();
    private final ModelSpec spec;
    private final ModelOptions options;
    private final Network network;
    private final boolean channelsLast;

    /**
     * The zoo models whose float32 steps run faster with channels-last weights and inputs: a speed choice only, since every
     * convolution runs on a route the kernel audit found right on this CPU whatever its layout ({@code KernelRouting}). Measured (stored step, batch 32,
     * 2 threads, the two formats alternating over 8-12 rounds on a 2-core AMD EPYC; median ratio channels-last / contiguous):
     * resnet-32 0.82, resnet-110 0.85, revnet-38 0.87-0.90 (reversible 0.90). Left contiguous because channels-last was
     * slower: revnet-110 1.10, revnet-164 1.14, stack-16 1.04 (reversible 1.00).
     */
    private static final java.util.Set<String> CHANNELS_LAST = java.util.Set.of("resnet-32", "resnet-110", "revnet-38");

    private Model(ModelSpec spec, ModelOptions options) {
        this.spec = spec;
        this.options = options;
        options.device().requireAvailable();
        options.precision().requireCompatible(options.dtype());
        if (options.dropPath() > 0 && !(spec.isTransformer() && spec.reversible())) {
            throw new IllegalArgumentException("drop-path applies to the reversible transformers (revvit-*), not " + spec.name());
        }
        Torch.seed(options.seed());
        this.network = arena.run(() -> build(spec, options));
        network.reversibleStacks().forEach(stack -> stack.precision(options.precision()));
        arena.run(() -> network.module().to(options.device().torchDevice(), options.dtype().scalarType(), false));
        network.train(true);
        this.channelsLast = CHANNELS_LAST.contains(spec.name()) && options.dtype() == DType.FLOAT32 && options.precision() == Precision.FP32
                && options.device() == Device.CPU;
        if (channelsLast) {
            arena.run(() -> {
                for (Tensor p : network.parameters()) {
                    if (p.dim() == 4) {
                        p.set_data(p.contiguous(torch.MemoryFormat.ChannelsLast));
                    }
                }
            });
        }
    }

    /** Whether this model's convolutions run on channels-last weights and inputs (see {@link #CHANNELS_LAST}). */
    public boolean channelsLast() {
        return channelsLast;
    }

    /** The input in the memory format this model's convolutions run fastest on. */
    private Tensor formatted(Tensor input) {
        return channelsLast ? input.contiguous(torch.MemoryFormat.ChannelsLast) : input;
    }

    /** Builds the zoo model called {@code name}. */
    public static Model create(String name, ModelOptions options) {
        return new Model(ModelSpec.resolve(name), options);
    }

    public static Model create(ModelSpec spec, ModelOptions options) {
        return new Model(spec, options);
    }

    static Network build(ModelSpec spec, ModelOptions o) {
        if (spec.isTransformer()) {
            return new VisionTransformer(spec.transformer(), spec.reversible(), o);
        }
        if (spec.isScripted()) {
            int c = spec.widths()[0];
            java.nio.file.Path f = spec.scripted().f();
            java.nio.file.Path g = spec.scripted().g();
            List<ReversibleBlock> blocks = new ArrayList<>();
            for (int i = 0; i < spec.units()[0]; i++) {
                blocks.add(new ReversibleBlock(new ScriptedFunction(f), new ScriptedFunction(g), o.coupling()));
            }
            return new ConvNetwork(new Conv(o.inputChannels(), c, 3, 1), false, List.of(new ReversibleStack(blocks)), c, o.classes());
        }
        int channels = spec.widths()[0];
        Conv stem = spec.imagenet() ? new Conv(o.inputChannels(), channels, 7, 2) : new Conv(o.inputChannels(), channels, 3, 1);
        List<Layer> units = new ArrayList<>();
        for (int stage = 0; stage < spec.units().length; stage++) {
            int out = spec.stageChannels(stage);
            int stride = stage == 0 ? 1 : 2;
            int count = spec.units()[stage];
            int width = spec.widths()[stage + 1];
            if (spec.reversible()) {
                // F and G see half the channels, so their bottleneck is half the stage width too.
                FunctionOptions template = FunctionOptions.of(1, 1).kind(spec.kind()).width(Math.max(1, width / 2))
                        .dropout(o.dropout());
                if (channels != out || stride != 1) {
                    units.add(new RevTransition(channels, out, stride, template));
                    count--;
                }
                if (count > 0) {
                    units.add(ReversibleStack.of(count, out, template, o.coupling()));
                }
            } else {
                for (int i = 0; i < count; i++) {
                    units.add(new ResidualUnit(FunctionOptions.of(i == 0 ? channels : out, out).kind(spec.kind()).width(width)
                            .stride(i == 0 ? stride : 1).dropout(o.dropout())));
                }
            }
            channels = out;
        }
        return new ConvNetwork(stem, spec.imagenet(), units, channels, o.classes());
    }

    public ModelSpec spec() {
        return spec;
    }

    public ModelOptions options() {
        return options;
    }

    public Network network() {
        return network;
    }

    public DType dtype() {
        return options.dtype();
    }

    public long parameterCount() {
        return network.parameterCount();
    }

    /**
     * Puts the model's random streams (dropout masks) into the state {@code seed} gives, without
     * touching LibTorch's process-wide generator: two passes reseeded alike draw the same masks.
     */
    public void reseed(long seed) {
        network.reseed(seed);
    }

    /** Whether the model holds batch normalisation, whose training-mode statistics depend on the batch a replica sees. */
    public boolean hasBatchNorm() {
        return !network.layersOf(BatchNorm.class).isEmpty();
    }

    /**
     * Every batch normalisation of the model normalises over the global batch of the replicas {@code sum} joins
     * (SyncBatchNorm), or with null over each replica's own batch again. Throws IllegalArgumentException when the model
     * has none: the option would change nothing.
     */
    public void synchroniseBatchNorm(ReplicaSum sum) {
        var norms = network.layersOf(BatchNorm.class);
        if (norms.isEmpty() && sum != null) {
            throw new IllegalArgumentException(spec.name() + " has no batch normalisation to synchronise");
        }
        norms.forEach(n -> n.synchronise(sum));
    }

    /** Logits for a batch of images, differentiated according to {@code mode}. */
    public Tensor forward(Tensor input, Mode mode) {
        validateInput(input, mode);
        return network.forward(formatted(input), mode, null);
    }

    /** Cross-entropy of {@code logits} against class indices {@code labels}. */
    public Tensor loss(Tensor logits, Tensor labels) {
        validateLabels(labels, logits.size(0));
        return torch.cross_entropy_loss(logits, labels);
    }

    /** A batch of standard-normal images of this model's dtype, shaped for it. */
    public Tensor randomInput(int batch, int imageSize) {
        Check.positive("batch", batch);
        Check.positive("image size", imageSize);
        return torch.randn(new long[] {batch, options.inputChannels(), imageSize, imageSize},
                new TensorOptions(options.dtype().scalarType()).device(new DeviceOptional(options.device().torchDevice())));
    }

    /** Uniformly random class indices. */
    public Tensor randomLabels(int batch) {
        return torch.randint(options.classes(), new long[] {batch},
                new TensorOptions(torch.ScalarType.Long).device(new DeviceOptional(options.device().torchDevice())));
    }

    /** Logits with each reversible stack in its {@code plan}'s mode (the hybrid mode); a uniform plan is the plain mode. */
    public Tensor forward(Tensor input, Plan plan) {
        validatePlan(plan);
        validateInput(input, Mode.STORED);
        return network.forward(formatted(input), plan, null);
    }

    /** Throws IllegalArgumentException unless {@code plan} has one mode per reversible stack of this model. */
    public void validatePlan(Plan plan) {
        java.util.Objects.requireNonNull(plan, "plan");
        int stacks = network.reversibleStacks().size();
        if (plan.stacks() != stacks) {
            throw new IllegalArgumentException("plan '" + plan + "' gives " + plan.stacks() + " mode(s), but " + spec.name() + " has "
                    + stacks + " reversible stack(s)" + (stacks == 0 ? " (it takes the empty plan)" : ""));
        }
    }

    /** Throws IllegalArgumentException naming the problem unless {@code input} fits this model; runs no computation. */
    public void validateInput(Tensor input, Mode mode) {
        java.util.Objects.requireNonNull(mode, "mode");
        if (mode != Mode.STORED && !spec.reversible()) {
            throw new IllegalArgumentException(spec.name() + " has no reversible blocks: use mode stored, not " + mode.label());
        }
        if (input == null || input.isNull() || !input.defined()) {
            throw new IllegalArgumentException("input tensor is null or undefined");
        }
        long[] shape = Shapes.of(input);
        if (shape.length != 4) {
            throw new IllegalArgumentException("input must have rank 4 (batch, channels, height, width), got rank " + shape.length
                    + " with shape " + Arrays.toString(shape));
        }
        if (shape[1] != options.inputChannels()) {
            throw new IllegalArgumentException(spec.name() + " expects " + options.inputChannels() + " input channels, got "
                    + shape[1] + " (shape " + Arrays.toString(shape) + ")");
        }
        DType given = DType.of(input.scalar_type());
        if (given != options.dtype()) {
            throw new IllegalArgumentException("input dtype " + (given == null ? input.scalar_type() : given.label())
                    + " does not match the model's " + options.dtype().label());
        }
        if (Device.of(input) != options.device()) {
            throw new IllegalArgumentException("input is on " + Device.of(input).label() + " but the model is on "
                    + options.device().label() + ": move the input with --device or Tensor.to");
        }
        network.checkInput(shape, spec.name(), network.isTraining());
        if (options.checkFinite()) {
            boolean finite;
            try (NativeScope scope = NativeScope.open()) {
                finite = input.isfinite().all().item_bool();
            }
            if (!finite) {
                throw new IllegalArgumentException("input contains non-finite values (NaN or infinity) and checkFinite is on");
            }
        }
    }

    private void validateLabels(Tensor labels, long batch) {
        if (labels == null || labels.isNull() || !labels.defined()) {
            throw new IllegalArgumentException("labels tensor is null or undefined");
        }
        long[] shape = Shapes.of(labels);
        if (shape.length != 1 || shape[0] != batch) {
            throw new IllegalArgumentException("labels must have shape [" + batch + "], got " + Arrays.toString(shape));
        }
        if (labels.scalar_type().value != torch.ScalarType.Long.value) {
            throw new IllegalArgumentException("labels must be int64 class indices, got " + labels.scalar_type());
        }
        try (NativeScope scope = NativeScope.open()) {
            long min = labels.min().item_long();
            long max = labels.max().item_long();
            if (min < 0 || max >= options.classes()) {
                throw new IllegalArgumentException("labels must lie in [0, " + options.classes() + "), got values from " + min
                        + " to " + max);
            }
        }
    }

    /** Parameters with their dotted names, for reports. */
    public Map<String, Tensor> namedParameters() {
        return network.namedParameters();
    }

    @Override
    public void close() {
        arena.close();
    }
}
