package io.github.revnet.core;

/** How a model's reversible stacks are differentiated. Every mode runs the same modules and weights. */
public enum Mode {
    /** Plain LibTorch autograd: every activation is kept. The reference for every check and benchmark. */
    STORED,
    /** Algorithm 1 of Gomez et al. (2017): block inputs are reconstructed from outputs during backward. */
    REVERSIBLE,
    /** Block-level checkpointing: each block's input is kept and the block recomputed in backward. */
    CHECKPOINT;

    public static Mode parse(String name) {
        for (Mode m : values()) {
            if (m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + name + "': expected one of stored, reversible, checkpoint");
    }

    public String label() {
        return name().toLowerCase();
    }

    /** The label, so a mode or dtype reads the same in messages, tables and JSON as on the command line. */
    @Override
    public String toString() {
        return label();
    }
}
