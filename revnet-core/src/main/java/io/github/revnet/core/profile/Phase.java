package io.github.revnet.core.profile;

/** The parts one training step's time is split into by {@link PhaseClock}. */
public enum Phase {
    FORWARD_GRAPH("forward with graph"),
    FORWARD_NO_GRAPH("forward without graph (reversible or checkpointed blocks)"),
    LOSS("loss"),
    BACKWARD("backward through the recorded graph"),
    RECOMPUTE_FORWARD("recomputation forward (per block)"),
    RECOMPUTE_BACKWARD("backward through the recomputation"),
    RECONSTRUCTION("reconstruction arithmetic (the coupling's inverse, seed and gradient)"),
    RANDOM_STATE("random-state capture and restore"),
    RUNNING_STATS("running-statistics freezing"),
    BOOKKEEPING("bookkeeping (scopes, hooks, graph links, leaves, gradient sums)"),
    OPTIMIZER("optimizer (zero_grad, SGD update)");

    private final String description;

    Phase(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }
}
