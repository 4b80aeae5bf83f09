package io.github.revnet.core.reversible;

/**
 * The two things that make reconstruction-based backprop exact besides the algebra: the
 * recomputation restores the random state the forward pass used (dropout masks), and it does not
 * update BatchNorm running statistics a second time. Both are on by default; switching one off
 * exists only for experiments and for the correctness gate's negative controls, which prove that
 * the gate notices.
 */
public record Safeguards(boolean restoreRandomState, boolean freezeRunningStats) {
    public static final Safeguards ON = new Safeguards(true, true);

    public Safeguards withoutRandomStateRestore() {
        return new Safeguards(false, freezeRunningStats);
    }

    public Safeguards withoutRunningStatsFreeze() {
        return new Safeguards(restoreRandomState, false);
    }
}
