package io.github.revnet.core.reversible;

import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import java.util.function.Supplier;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.TensorVector;

/**
 * What a reconstructing or checkpointing backward does besides arithmetic: run a block's
 * functions once more, and backpropagate through what that recorded. The backprops call these two
 * seams and nothing else of autograd, so a profiler decorates them ({@link #profiled}) instead of
 * wrapping the algorithm's statements.
 */
interface Recomputation {
    /** Recomputes {@code work}: a function (or a whole block) run forward again, with a graph. */
    <T> T forward(Supplier<T> work);

    /** Backpropagates {@code gradients} through {@code outputs}, accumulating into leaves and parameters. */
    void backward(TensorVector outputs, TensorVector gradients);

    Recomputation PLAIN = new Recomputation() {
        @Override
        public <T> T forward(Supplier<T> work) {
            return work.get();
        }

        @Override
        public void backward(TensorVector outputs, TensorVector gradients) {
            org.bytedeco.pytorch.global.torch.backward(outputs, gradients, new BoolOptional(), false, new TensorVector());
        }
    };

    /** {@link #PLAIN} with its forward charged to {@link Phase#RECOMPUTE_FORWARD} and its backward to {@link Phase#RECOMPUTE_BACKWARD}. */
    Recomputation PROFILED = new Recomputation() {
        @Override
        public <T> T forward(Supplier<T> work) {
            return PhaseClock.time(Phase.RECOMPUTE_FORWARD, work);
        }

        @Override
        public void backward(TensorVector outputs, TensorVector gradients) {
            PhaseClock.time(Phase.RECOMPUTE_BACKWARD, () -> PLAIN.backward(outputs, gradients));
        }
    };

    /** The recomputation for the step now running: profiled while a {@link PhaseClock} measures it. */
    static Recomputation forThisStep() {
        return PhaseClock.isMeasuring() ? PROFILED : PLAIN;
    }
}
