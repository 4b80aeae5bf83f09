package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.core.Check;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.layers.TransformerOptions;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import io.github.revnet.core.reversible.BlockWalk.Direction;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A sequence of reversible blocks, differentiated by plain autograd or by reconstruction. */
public final class ReversibleStack extends Layer {
    private final List<ReversibleBlock> blocks;
    private final StreamLayout layout;
    private final RandomStream random = RandomStream.forkedFromDefault();
    private Safeguards safeguards = Safeguards.ON;
    private Precision precision = Precision.FP32;

    public ReversibleStack(List<ReversibleBlock> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a reversible stack needs at least one block, got none");
        }
        this.layout = blocks.get(0).layout();
        List<ReversibleBlock> registered = new ArrayList<>(blocks.size());
        for (ReversibleBlock b : blocks) {
            if (b.layout() != layout) {
                throw new IllegalArgumentException("all blocks of a stack must split the same way: block 0 splits " + layout.unit()
                        + ", block " + registered.size() + " splits " + b.layout().unit());
            }
            registered.add(add("block" + registered.size(), b));
        }
        this.blocks = List.copyOf(registered);
    }

    /** {@code count} additive blocks over {@code channels} channels, F and G shaped by {@code template}. */
    public static ReversibleStack of(int count, int channels, FunctionOptions template) {
        return of(count, channels, template, Coupling.ADDITIVE);
    }

    /** {@code count} blocks with the given coupling over {@code channels} channels, F and G shaped by {@code template}. */
    public static ReversibleStack of(int count, int channels, FunctionOptions template, Coupling coupling) {
        Check.positive("block count", count);
        List<ReversibleBlock> blocks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            blocks.add(ReversibleBlock.of(channels, template, coupling));
        }
        return new ReversibleStack(blocks);
    }

    /** {@code count} reversible transformer blocks (RevViT) of the given coupling; see {@link ReversibleBlock#transformer}. */
    public static ReversibleStack transformer(int count, TransformerOptions options, Coupling coupling) {
        Check.positive("block count", count);
        List<ReversibleBlock> blocks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            blocks.add(ReversibleBlock.transformer(options, coupling));
        }
        return new ReversibleStack(blocks);
    }

    public StreamLayout layout() {
        return layout;
    }

    /** Replaces the safeguards of reversible and checkpoint mode; see {@link Safeguards}. */
    public ReversibleStack safeguards(Safeguards value) {
        this.safeguards = java.util.Objects.requireNonNull(value, "safeguards");
        return this;
    }

    /** Replaces the precision policy F, G and the streams run under in every mode; see {@link Precision}. */
    public ReversibleStack precision(Precision value) {
        this.precision = java.util.Objects.requireNonNull(value, "precision");
        return this;
    }

    public Precision precision() {
        return precision;
    }

    /** How F and G run in a forward pass: under the autocast state the precision gives for the caller's. */
    private ReversibleBlock.AroundFunction functionPrecision() {
        return (which, function) -> precision.functionAutocast(Autocast.current()).enter(function);
    }

    /** What becomes of F's and G's outputs, in the forward pass and in every recomputation alike: snapped to the grid where the precision keeps one. */
    private ReversibleBlock.AroundFunction functionOutputs() {
        return precision.streamsOnGrid() ? (which, function) -> StreamGrid.snap(function.get()) : ReversibleBlock.AroundFunction.PLAIN;
    }

    /** How F and G run outside the blockwise backprops (stored mode, the inverse): under the precision, outputs as kept. */
    private ReversibleBlock.AroundFunction functionRun() {
        return functionOutputs().around(functionPrecision());
    }

    public List<ReversibleBlock> blocks() {
        return blocks;
    }

    /**
     * Puts this stack's private random stream (its dropout masks) into the state {@code seed}
     * gives: two passes reseeded alike draw the same masks, whatever other threads draw meanwhile.
     */
    public void reseed(long seed) {
        random.reseed(seed);
    }

    /** Forward in {@link Mode#STORED}. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, Mode.STORED);
    }

    public Tensor forward(Tensor input, Mode mode) {
        outputShape(Shapes.of(input));
        if (precision.bfloat16Streams()) {
            return NativeScope.call(() -> streams(input.to(torch.ScalarType.BFloat16), mode).to(input.scalar_type()));
        }
        if (precision.streamsOnGrid()) {
            return NativeScope.call(() -> streams(StreamGrid.snap(input), mode));
        }
        return streams(input, mode);
    }

    private Tensor streams(Tensor input, Mode mode) {
        ReversibleBlock.AroundFunction around = functionPrecision();
        ReversibleBlock.AroundFunction outputs = functionOutputs();
        return random.activate(() -> switch (mode) {
            case STORED -> stored(input, outputs.around(around));
            // apply's own work (the graph link and hooks) is bookkeeping; the blocks' forward inside it is charged on its own
            case REVERSIBLE -> PhaseClock.time(Phase.BOOKKEEPING,
                    () -> new ReversibleBackprop(blocks, safeguards, random, around, outputs).apply(input));
            case CHECKPOINT -> PhaseClock.time(Phase.BOOKKEEPING,
                    () -> new CheckpointBackprop(blocks, safeguards, random, around, outputs).apply(input));
        });
    }

    private Tensor stored(Tensor input, ReversibleBlock.AroundFunction around) {
        return BlockWalk.walk(blocks, Direction.FIRST_TO_LAST, () -> layout.split(input),
                (i, block, x) -> block.forward(x[0], x[1], around), layout::join);
    }

    /** Reconstructs the stack's input from its output, block by block from the last, F and G under the stack's precision. */
    public Tensor inverse(Tensor output) {
        outputShape(Shapes.of(output));
        ReversibleBlock.AroundFunction around = functionRun();
        return BlockWalk.walk(blocks, Direction.LAST_TO_FIRST, () -> layout.split(output),
                (i, block, y) -> block.inverse(y[0], y[1], around), layout::join);
    }

    /** How far inverse(forward(x)) lands from x: the largest element-wise error and the error vector's Euclidean norm. */
    public record Reconstruction(double maxAbsError, double normError) {
    }

    /**
     * max |inverse(forward(x)) − x| without a graph and without touching running statistics. As in
     * backward, the inverse recomputes F and G from the random and autocast state the forward pass
     * used (so dropout masks and precision match) and, in training mode, from BatchNorm batch
     * statistics of the same tensors. With bfloat16 streams x is the stack's bfloat16 input, on the grid the snapped input: the
     * error is the inverse's, not the input's rounding.
     */
    public double reconstructionError(Tensor input) {
        return reconstruction(input).maxAbsError();
    }

    /** As {@link #reconstructionError}, with the error vector's Euclidean norm as well. */
    public Reconstruction reconstruction(Tensor input) {
        outputShape(Shapes.of(input));
        ReversibleBackprop walk = new ReversibleBackprop(blocks, safeguards, random, functionPrecision(), functionOutputs());
        try (NativeScope scope = NativeScope.open(); RngState resume = random.capture()) {
            Tensor streams = precision.bfloat16Streams() ? input.to(torch.ScalarType.BFloat16)
                    : precision.streamsOnGrid() ? StreamGrid.snap(input) : input;
            return random.activate(() -> Grad.off(() -> RunningStats.frozen(this, () -> {
                Tensor rebuilt = walk.inverse(walk.forward(streams));
                resume.restore();
                Tensor error = rebuilt.to(input.scalar_type()).sub(streams.to(input.scalar_type()));
                return new Reconstruction(error.abs().max().item_double(), error.norm().item_double());
            })));
        } finally {
            walk.releaseState();
        }
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = inputShape;
        for (ReversibleBlock b : blocks) {
            s = b.outputShape(s);
        }
        return s;
    }
}
