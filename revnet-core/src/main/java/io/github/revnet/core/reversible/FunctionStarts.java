package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.bridge.RngState;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import io.github.revnet.core.reversible.ReversibleBlock.AroundFunction;
import io.github.revnet.core.reversible.ReversibleBlock.Function;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What each block's F and G started from in the forward pass, so that their recomputation
 * computes the same thing: the random state (the same dropout masks) and the autocast state (the
 * same precision, whatever the caller has set by the time backward runs). A function that draws
 * nothing leaves the stream where it was, and then shares the previous snapshot instead of taking
 * a new one.
 */
final class FunctionStarts implements AutoCloseable {
    /** Where one function started: its random state (null where the walk replays none for it) and its autocast state. */
    private record Start(RngState random, Autocast autocast) {
    }

    private final RandomStream stream;
    private final Map<Function, List<Start>> starts = new EnumMap<>(Function.class);
    private RngState last;

    FunctionStarts(RandomStream stream) {
        this.stream = stream;
        for (Function which : Function.values()) {
            starts.put(which, new ArrayList<>());
        }
    }

    /** Records where {@code which} of block {@code index} starts, its random state only if {@code random}; blocks are captured in order. */
    private void capture(int index, Function which, boolean random) {
        List<Start> list = starts.get(which);
        if (list.size() != index) {
            throw new IllegalStateException("start of block " + index + "'s " + which + " captured out of order (have " + list.size()
                    + ")");
        }
        if (random) {
            last = PhaseClock.time(Phase.RANDOM_STATE, () -> stream.captureUnlessUnchanged(last));
        }
        list.add(new Start(random ? last : null, Autocast.current()));
    }

    /**
     * Records, just before each function of block {@code index} runs in the forward pass, where it
     * starts; the random state only before the functions in {@code random} (a checkpointed block
     * replays its draws from F's start on, in order).
     */
    AroundFunction capturing(int index, java.util.Set<Function> random) {
        return (which, function) -> {
            capture(index, which, random.contains(which));
            return function.get();
        };
    }

    /**
     * Runs each function of block {@code index} again from where it started, as far as {@code
     * safeguards} ask: the random state put back (where one was recorded) and the forward's autocast
     * state entered for the function's duration.
     */
    AroundFunction replaying(int index, Safeguards safeguards) {
        return (which, function) -> {
            Start start = starts.get(which).get(index);
            if (safeguards.restoreRandomState() && start.random() != null) {
                PhaseClock.time(Phase.RANDOM_STATE, start.random()::restore);
            }
            return safeguards.replayAutocast() ? start.autocast().enter(function) : function.get();
        };
    }

    @Override
    public void close() {
        starts.values().forEach(list -> list.stream().map(Start::random).filter(java.util.Objects::nonNull).distinct()
                .forEach(RngState::close));
        starts.values().forEach(List::clear);
        last = null;
    }
}
