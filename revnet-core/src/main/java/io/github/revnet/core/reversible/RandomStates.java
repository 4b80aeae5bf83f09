package io.github.revnet.core.reversible;

import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The random state each block's F and G started from in the forward pass, so that their
 * recomputation draws the same dropout masks. A function that draws nothing leaves the stream
 * where it was, and then shares the previous snapshot instead of taking a new one.
 */
final class RandomStates implements AutoCloseable {
    private final RandomStream stream;
    private final Map<ReversibleBlock.Function, List<RngState>> before = new EnumMap<>(ReversibleBlock.Function.class);
    private RngState last;

    RandomStates(RandomStream stream) {
        this.stream = stream;
        for (ReversibleBlock.Function which : ReversibleBlock.Function.values()) {
            before.put(which, new ArrayList<>());
        }
    }

    /** Records the state {@code which} of block {@code index} starts from; blocks are captured in order. */
    void capture(int index, ReversibleBlock.Function which) {
        List<RngState> states = before.get(which);
        if (states.size() != index) {
            throw new IllegalStateException("random state of block " + index + "'s " + which + " captured out of order (have "
                    + states.size() + ")");
        }
        last = PhaseClock.time(Phase.RANDOM_STATE, () -> stream.captureUnlessUnchanged(last));
        states.add(last);
    }

    /** Puts the stream back where {@code which} of block {@code index} started in the forward pass. */
    void restore(int index, ReversibleBlock.Function which) {
        PhaseClock.time(Phase.RANDOM_STATE, before.get(which).get(index)::restore);
    }

    /** Captures before every function of block {@code index}, as the forward pass runs it. */
    ReversibleBlock.BeforeFunction capturing(int index) {
        return which -> capture(index, which);
    }

    /** Restores before every function of block {@code index}, as a recomputation runs it. */
    ReversibleBlock.BeforeFunction restoring(int index) {
        return which -> restore(index, which);
    }

    @Override
    public void close() {
        before.values().forEach(states -> states.forEach(RngState::close));
        before.values().forEach(List::clear);
        last = null;
    }
}
