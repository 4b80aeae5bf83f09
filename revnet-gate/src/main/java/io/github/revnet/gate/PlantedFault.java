package io.github.revnet.gate;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Mode;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ForwardingCoupling;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Small, realistic bugs in a memory-saving backward, planted from outside the machinery: each one
 * runs a case's blocks behind wrappers (around F, G or the coupling) that behave exactly as built
 * during the forward pass and turn faulty once it is over, i.e. in the recomputation that
 * reversible and checkpoint modes perform in backward. The gate's power is the share of cases in
 * which its checks notice them ({@link GateStrength}).
 */
public enum PlantedFault {
    SCALED_GRADIENT("one tensor's gradient scaled by 1 + 1e-3 (float32) or 1 + 1e-8 (float64)"),
    COUPLING_SIGN("the coupling's gradient through its carried half has the wrong sign"),
    BLOCK_ORDER("backward recomputes the blocks' functions in the wrong order (first block's at the last block's step)"),
    SWAPPED_RANDOM_STATES("the recomputation restores G's random state for F and F's for G (cases run with dropout 0.25)"),
    STREAM_NOT_RESTORED("the recomputation runs F from a stream moved on since its start, not restored (cases run with dropout 0.25)"),
    STREAM_RESTORED_TWICE("the recomputation restores F's random state for F and again for G (cases run with dropout 0.25)"),
    PADDING("the recomputation pads its input by replication where the forward padded with zeros"),
    SHARED_PARAMETER_ONCE("F shared by blocks 0 and 1: its gradient from block 1 is overwritten instead of accumulated"),
    SHARED_PARAMETER_TWICE("F shared by blocks 0 and 1: its gradient from block 1 is accumulated twice");

    private final String description;

    PlantedFault(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Lower-case, dash-separated: the fault's name in tables and on the command line. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Whether the fault concerns the random streams, and so takes effect only where the functions draw (cases run with dropout). */
    public boolean needsRandomOps() {
        return this == SWAPPED_RANDOM_STATES || this == STREAM_NOT_RESTORED || this == STREAM_RESTORED_TWICE;
    }

    /** Whether the fault lives in a stack whose blocks 0 and 1 share F (built by {@link #sharingF}). */
    public boolean needsSharedParameters() {
        return this == SHARED_PARAMETER_ONCE || this == SHARED_PARAMETER_TWICE;
    }

    /** The relative size of {@link #SCALED_GRADIENT}'s error: far below what a correct backward's rounding could explain only if the gate is sharp. */
    public static double scale(DType dtype) {
        return dtype == DType.FLOAT64 ? 1e-8 : 1e-3;
    }

    /**
     * The faulty pass of {@code mode} (reversible or checkpoint) over the harness's case, or empty
     * where the fault cannot exist for this case (why in {@link #applicability}).
     */
    public Optional<Harness.Pass> run(Harness h, Mode mode, long seed) {
        if (applicability(h.config()).isPresent()) {
            return Optional.empty();
        }
        List<ReversibleBlock> blocks = h.stack().blocks();
        Switch armed = new Switch();
        return Optional.of(switch (this) {
            case SCALED_GRADIENT -> scaled(h.run(mode, seed), seed, scale(h.config().dtype()));
            case COUPLING_SIGN -> h.runOn(rebuilt(blocks, (i, b) -> new ReversibleBlock(b.f(), b.g(),
                    new SignFlipped(b.coupling(), armed), b.layout())), mode, seed, armed::on, armed::finish);
            case BLOCK_ORDER -> h.runOn(rebuilt(blocks, (i, b) -> {
                ReversibleBlock wrong = blocks.get(blocks.size() - 1 - i);
                return new ReversibleBlock(new Delegating(b.f(), wrong.f(), armed), new Delegating(b.g(), wrong.g(), armed),
                        b.coupling(), b.layout());
            }), mode, seed, armed::on, armed::finish);
            case SWAPPED_RANDOM_STATES -> restoringWrongStates(h, blocks, armed, mode, seed, false);
            case STREAM_NOT_RESTORED -> h.runOn(rebuilt(blocks, (i, b) -> new ReversibleBlock(new StreamAdvancing(b.f(), armed), b.g(),
                    b.coupling(), b.layout())), mode, seed, armed::on, armed::finish);
            case STREAM_RESTORED_TWICE -> restoringWrongStates(h, blocks, armed, mode, seed, true);
            case PADDING -> h.runOn(rebuilt(blocks, (i, b) -> new ReversibleBlock(new ReplicatePadded(b.f(), armed),
                    new ReplicatePadded(b.g(), armed), b.coupling(), b.layout())), mode, seed, armed::on, armed::finish);
            case SHARED_PARAMETER_ONCE, SHARED_PARAMETER_TWICE -> h.runOn(rebuilt(blocks, (i, b) -> i != 0 ? b
                    : new ReversibleBlock(new AccumulationFault(b.f(), armed, this == SHARED_PARAMETER_TWICE), b.g(), b.coupling(),
                            b.layout())), mode, seed, armed::on, armed::finish);
        });
    }

    /**
     * The pass through blocks whose recomputation restores the wrong random state before F and G: G's for F and F's for G
     * (swapped), or F's for both ({@code bothFromF}: F's state restored twice).
     */
    private static Harness.Pass restoringWrongStates(Harness h, List<ReversibleBlock> blocks, Switch armed, Mode mode, long seed,
            boolean bothFromF) {
        List<RngState> captured = new ArrayList<>();
        try {
            return h.runOn(rebuilt(blocks, (i, b) -> {
                StateSwapping f = new StateSwapping(b.f(), armed, captured);
                StateSwapping g = new StateSwapping(b.g(), armed, captured);
                f.partner = bothFromF ? f : g;
                g.partner = f;
                return new ReversibleBlock(f, g, b.coupling(), b.layout());
            }), mode, seed, armed::on, armed::finish);
        } finally {
            captured.forEach(RngState::close);
        }
    }

    /** Why the fault cannot exist in {@code c} (too few blocks, no padding to get wrong), or empty when it can. */
    public Optional<String> applicability(GateCase c) {
        return switch (this) {
            case PADDING -> c.shape().length != 4 ? Optional.of("token streams have no padding")
                    // A 1x1 convolution pads nothing; the wrapper's larger image would only change the kernels' summation order.
                    : c instanceof ConvCase conv && conv.kernel() == 1 ? Optional.of("1x1 convolutions pad nothing") : Optional.empty();
            case SHARED_PARAMETER_ONCE, SHARED_PARAMETER_TWICE -> c.blocks() >= 2 ? Optional.empty()
                    : Optional.of("one block shares nothing");
            default -> Optional.empty();
        };
    }

    /**
     * The case's stack with block 1's F replaced by block 0's (one module, registered under both):
     * the stack a shared-parameter fault lives in. A correct backward sums both uses' gradients.
     */
    public static ReversibleStack sharingF(ReversibleStack built) {
        List<ReversibleBlock> blocks = built.blocks();
        return new ReversibleStack(rebuilt(blocks, (i, b) -> i != 1 ? b
                : new ReversibleBlock(blocks.get(0).f(), b.g(), b.coupling(), b.layout()))).precision(built.precision());
    }

    private static List<ReversibleBlock> rebuilt(List<ReversibleBlock> blocks, BiFunction<Integer, ReversibleBlock, ReversibleBlock> each) {
        List<ReversibleBlock> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            out.add(each.apply(i, blocks.get(i)));
        }
        return out;
    }

    /** The pass with one gradient tensor, chosen by {@code seed} among the defined ones, multiplied by 1 + {@code epsilon}. */
    private static Harness.Pass scaled(Harness.Pass intact, long seed, double epsilon) {
        List<Integer> defined = new ArrayList<>();
        for (int i = 0; i < intact.gradients().size(); i++) {
            if (intact.gradients().get(i) != null) {
                defined.add(i);
            }
        }
        List<Tensor> gradients = new ArrayList<>(intact.gradients());
        if (!defined.isEmpty()) {
            int k = defined.get((int) Math.floorMod(seed, (long) defined.size()));
            gradients.set(k, gradients.get(k).mul(new Scalar(1 + epsilon)));
        }
        return new Harness.Pass(gradients, intact.buffersAfter(), intact.loss());
    }

    /** Off during the forward pass; switched on between forward and backward, so only the recomputation is faulty. */
    static final class Switch {
        private boolean on;
        private final List<Runnable> afterBackward = new ArrayList<>();

        void on() {
            on = true;
        }

        /** Runs once the backward is over, before the pass records the buffers. */
        void whenFinished(Runnable action) {
            afterBackward.add(action);
        }

        void finish() {
            afterBackward.forEach(Runnable::run);
        }

        boolean isOn() {
            return on;
        }
    }

    /**
     * A function that, in the recomputation, runs another function instead (another block's, with that block's
     * parameters). The machinery freezes the running statistics of the function it means to recompute, so the other
     * one's are put back after the backward here, as a machinery visiting blocks in the wrong order would freeze them.
     */
    static final class Delegating extends Layer {
        private final Layer inner;
        private final Layer instead;
        private final Switch armed;
        private boolean saved;

        Delegating(Layer inner, Layer instead, Switch armed) {
            this.inner = add("inner", inner);
            this.instead = instead;
            this.armed = armed;
        }

        @Override
        public Tensor forward(Tensor input) {
            if (armed.isOn() && !saved) {
                saved = true;
                List<Tensor> snapshot;
                try (NativeScope scope = NativeScope.open()) {
                    // Adopted: the snapshot outlives the recomputation's scopes, until the backward is over.
                    snapshot = Grad.off(() -> instead.buffers().stream().map(b -> scope.adopt(b.clone())).toList());
                }
                armed.whenFinished(() -> {
                    try (NativeScope scope = NativeScope.open()) {
                        List<Tensor> buffers = instead.buffers();
                        Grad.off(() -> {
                            for (int i = 0; i < buffers.size(); i++) {
                                buffers.get(i).copy_(snapshot.get(i));
                            }
                            return null;
                        });
                    }
                    snapshot.forEach(NativeScope::release);
                });
            }
            return (armed.isOn() ? instead : inner).forward(input);
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /** A function that records the random state each forward call starts from and, in the recomputation, starts from its partner's. */
    static final class StateSwapping extends Layer {
        private final Layer inner;
        private final Switch armed;
        private final List<RngState> captured;
        private RngState own;
        StateSwapping partner;

        StateSwapping(Layer inner, Switch armed, List<RngState> captured) {
            this.inner = add("inner", inner);
            this.armed = armed;
            this.captured = captured;
        }

        @Override
        public Tensor forward(Tensor input) {
            if (armed.isOn()) {
                if (partner.own != null) {
                    partner.own.restore();
                }
            } else {
                own = RandomStream.active().capture();
                captured.add(own);
            }
            return inner.forward(input);
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /**
     * A function whose recomputation starts from a stream that has moved on: it draws once from the active stream (as a
     * stray random op between the restore and the function would) before running, so its draws are not the forward's.
     */
    static final class StreamAdvancing extends Layer {
        private final Layer inner;
        private final Switch armed;

        StreamAdvancing(Layer inner, Switch armed) {
            this.inner = add("inner", inner);
            this.armed = armed;
        }

        @Override
        public Tensor forward(Tensor input) {
            if (armed.isOn()) {
                try (io.github.revnet.bridge.NativeScope scope = io.github.revnet.bridge.NativeScope.open()) {
                    RandomStream.bernoulliMask(input, 0.5);
                }
            }
            return inner.forward(input);
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /**
     * A function whose recomputation sees its image input padded by one replicated pixel on each side
     * and crops its output back: the outer ring of its first convolution reads replicated values where
     * the forward read zeros.
     */
    static final class ReplicatePadded extends Layer {
        private final Layer inner;
        private final Switch armed;

        ReplicatePadded(Layer inner, Switch armed) {
            this.inner = add("inner", inner);
            this.armed = armed;
        }

        @Override
        public Tensor forward(Tensor input) {
            if (!armed.isOn()) {
                return inner.forward(input);
            }
            long h = input.size(2);
            long w = input.size(3);
            return NativeScope.call(() -> {
                Tensor rows = org.bytedeco.pytorch.global.torch.cat(new TensorVector(input.narrow(2, 0, 1), input, input.narrow(2, h - 1, 1)), 2);
                Tensor padded = org.bytedeco.pytorch.global.torch.cat(new TensorVector(rows.narrow(3, 0, 1), rows, rows.narrow(3, w - 1, 1)), 3);
                return inner.forward(padded).narrow(2, 1, h).narrow(3, 1, w);
            });
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /**
     * Block 0's use of a shared F: when its recomputation starts, block 1's use (recomputed first,
     * backward walks from the last block) has already accumulated into the shared parameters'
     * gradients, which this wrapper then zeroes (overwrite instead of accumulate) or doubles.
     */
    static final class AccumulationFault extends Layer {
        private final Layer inner;
        private final Switch armed;
        private final boolean twice;

        AccumulationFault(Layer inner, Switch armed, boolean twice) {
            this.inner = add("inner", inner);
            this.armed = armed;
            this.twice = twice;
        }

        @Override
        public Tensor forward(Tensor input) {
            if (armed.isOn()) {
                try (NativeScope scope = NativeScope.open()) {
                    Grad.off(() -> {
                        for (Tensor p : inner.parameters()) {
                            Tensor g = p.grad();
                            if (g.defined()) {
                                if (twice) {
                                    g.mul_(new Scalar(2));
                                } else {
                                    g.zero_();
                                }
                            }
                        }
                        return null;
                    });
                }
            }
            return inner.forward(input);
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    /** The coupling with, in the recomputation, the sign of its gradient through the carried half flipped; values unchanged. */
    static final class SignFlipped extends ForwardingCoupling {
        private final Switch armed;

        SignFlipped(Coupling inner, Switch armed) {
            super(inner);
            this.armed = armed;
        }

        @Override
        public Tensor combine(Tensor x, Tensor h) {
            if (!armed.isOn() || !x.requires_grad()) {
                return inner.combine(x, h);
            }
            // 2x - x is exactly x, and its gradient is -1 times x's.
            return NativeScope.call(() -> inner.combine(x.detach().mul(new Scalar(2)).sub(x), h));
        }

        @Override
        public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
            return armed.isOn() ? NativeScope.call(() -> inner.gradientThroughCombine(dy, h).neg()) : inner.gradientThroughCombine(dy, h);
        }
    }
}
