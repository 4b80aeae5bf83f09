package io.github.revnet.core.reversible;

import io.github.revnet.bridge.LoopCarry;
import io.github.revnet.bridge.NativeScope;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * The one walk over a stack's blocks, forward (first to last) or backward (last to first): it
 * carries the tensors one block hands the next (the two halves, and in a backward their
 * gradients) and releases each block's as soon as the next has taken over, so a walk over N blocks
 * holds one block's tensors rather than N. The stored forward, the inverse and both backprops are
 * this walk with a different step.
 */
final class BlockWalk {
    private BlockWalk() {
    }

    enum Direction {
        FIRST_TO_LAST, LAST_TO_FIRST
    }

    /** What happens at one block: from the carried tensors to the ones the next block gets. */
    @FunctionalInterface
    interface Step {
        Tensor[] apply(int index, ReversibleBlock block, Tensor[] carried);
    }

    /**
     * Walks {@code blocks} in {@code direction}, starting from the tensors {@code start} creates
     * (usually a split into halves) and ending with {@code finish} applied to the last carried
     * tensors (usually a join), whose result lands in the caller's scope.
     */
    static <T> T walk(List<ReversibleBlock> blocks, Direction direction, Supplier<Tensor[]> start, Step step,
            Function<Tensor[], T> finish) {
        try (LoopCarry carry = new LoopCarry()) {
            try (NativeScope scope = NativeScope.open()) {
                carry.set(scope, start.get());
            }
            int n = blocks.size();
            for (int k = 0; k < n; k++) {
                int i = direction == Direction.FIRST_TO_LAST ? k : n - 1 - k;
                try (NativeScope scope = NativeScope.open()) {
                    carry.set(scope, step.apply(i, blocks.get(i), carried(carry)));
                }
            }
            return finish.apply(carried(carry));
        }
    }

    private static Tensor[] carried(LoopCarry carry) {
        Tensor[] out = new Tensor[carry.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = carry.get(i);
        }
        return out;
    }
}
