package io.github.revnet.core.profile;

import java.util.function.Supplier;

/**
 * Splits a training step's wall time into {@link Phase}s by exclusive accounting: every
 * nanosecond between entering and leaving the step is charged to the innermost phase open at the
 * time, so the phases add up to the step by construction and a phase nested in another (a
 * recomputation inside the backward) is not counted twice. What runs outside any named phase
 * inside the step is {@link Phase#BOOKKEEPING}.
 *
 * <p>Off unless {@link #measure} is running: the instrumented code then pays one static read per
 * phase. LibTorch runs a CPU graph's backward (and so the harness's backward hooks) on the thread
 * that called {@code backward()}; work arriving from another thread is not charged, but counted
 * in {@link Breakdown#foreignCalls}, so a breakdown that missed time says so.
 */
public final class PhaseClock {
    private static volatile PhaseClock active;

    private final Thread owner = Thread.currentThread();
    private final long[] nanos = new long[Phase.values().length];
    private final Phase[] stack = new Phase[256];
    private int depth;
    private long last;
    private long foreignCalls;

    private PhaseClock() {
    }

    /** Where one step's time went, in nanoseconds per phase. */
    public record Breakdown(long[] nanos, long totalNanos, long foreignCalls) {
        public double millis(Phase phase) {
            return nanos[phase.ordinal()] / 1e6;
        }

        public double totalMillis() {
            return totalNanos / 1e6;
        }

        /** Stored mode's forward (with the loss) against its backward: k of the (2 + k)/(1 + k) bound. */
        public double backwardOverForward() {
            return millis(Phase.BACKWARD) / (millis(Phase.FORWARD_GRAPH) + millis(Phase.LOSS));
        }
    }

    /** Runs {@code step} with the clock on and returns where its time went; not reentrant. */
    public static Breakdown measure(Runnable step) {
        if (active != null) {
            throw new IllegalStateException("PhaseClock.measure is already running on " + active.owner.getName());
        }
        PhaseClock clock = new PhaseClock();
        clock.last = System.nanoTime();
        long start = clock.last;
        clock.stack[clock.depth++] = Phase.BOOKKEEPING;
        active = clock;
        try {
            step.run();
        } finally {
            active = null;
            clock.charge(System.nanoTime());
        }
        return new Breakdown(clock.nanos, clock.last - start, clock.foreignCalls);
    }

    /** True while {@link #measure} runs: code that decorates its seams for profiling asks this once per step. */
    public static boolean isMeasuring() {
        return active != null;
    }

    /** Runs {@code work} charged to {@code phase} (minus the phases nested in it). */
    public static <T> T time(Phase phase, Supplier<T> work) {
        PhaseClock clock = active;
        if (clock == null) {
            return work.get();
        }
        if (Thread.currentThread() != clock.owner) {
            clock.foreignCalls++;
            return work.get();
        }
        clock.enter(phase);
        try {
            return work.get();
        } finally {
            clock.exit();
        }
    }

    /** As {@link #time(Phase, Supplier)}, for work without a result. */
    public static void time(Phase phase, Runnable work) {
        time(phase, () -> {
            work.run();
            return null;
        });
    }

    private void enter(Phase phase) {
        if (depth == stack.length) {
            throw new IllegalStateException("phases nested deeper than " + stack.length + ": an unbalanced PhaseClock.time");
        }
        charge(System.nanoTime());
        stack[depth++] = phase;
    }

    private void exit() {
        charge(System.nanoTime());
        depth--;
    }

    private void charge(long now) {
        nanos[stack[depth - 1].ordinal()] += now - last;
        last = now;
    }
}
