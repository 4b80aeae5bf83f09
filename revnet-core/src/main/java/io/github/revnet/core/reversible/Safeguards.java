package io.github.revnet.core.reversible;

/**
 * The three things that make reconstruction-based backprop exact besides the algebra: the
 * recomputation restores the random state the forward pass used (dropout masks), it runs under the
 * autocast state the forward pass ran under (the same precision), and it does not update
 * BatchNorm running statistics a second time. All are on by default; switching one off exists
 * only for experiments and for the correctness gate's negative controls, which prove that the gate
 * notices.
 */
public record Safeguards(boolean restoreRandomState, boolean freezeRunningStats, boolean replayAutocast) {
    public static final Safeguards ON = new Safeguards(true, true, true);

    public Safeguards withoutRandomStateRestore() {
        return new Safeguards(false, freezeRunningStats, replayAutocast);
    }

    public Safeguards withoutRunningStatsFreeze() {
        return new Safeguards(restoreRandomState, false, replayAutocast);
    }

    /** The recomputation runs under whatever autocast state the caller has when backward runs (MemCNN #57's bug). */
    public Safeguards withoutAutocastReplay() {
        return new Safeguards(restoreRandomState, freezeRunningStats, false);
    }
}
