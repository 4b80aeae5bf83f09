package io.github.revnet.gate;

import org.opentest4j.TestAbortedException;

/**
 * A case whose derived tolerance for some gradient tensor exceeds the dtype's ceiling ({@link Tolerances#ceiling}): the
 * gate cannot tell a fault of the size it promises to catch from the case's own rounding there, so it neither passes nor
 * fails the case but sets it aside and counts it. Under jqwik it aborts the try (a try that is not a check); elsewhere
 * (the command line's {@code check}) it is reported as set aside.
 */
public final class IllConditionedCase extends TestAbortedException {
    private final double tolerance;

    IllConditionedCase(String message, double tolerance) {
        super(message);
        this.tolerance = tolerance;
    }

    /** The largest derived tolerance of the case. */
    public double tolerance() {
        return tolerance;
    }
}
