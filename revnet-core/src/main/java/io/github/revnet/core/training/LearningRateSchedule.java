package io.github.revnet.core.training;

/**
 * The learning rate of each step. Cosine annealing to zero lets both runs of a comparison settle
 * into a minimum, so their test accuracies compare trained models rather than two snapshots of
 * weights still jumping around at the full rate.
 */
public enum LearningRateSchedule {
    /** The base rate at every step. */
    CONSTANT,
    /** base · (1 + cos(π · (step − 1) / steps)) / 2: the base rate at step 1, falling towards zero at the last step. */
    COSINE;

    /** The rate for {@code step} (1-based) of a run of {@code steps}. */
    public double at(double base, int step, int steps) {
        if (step < 1 || step > steps) {
            throw new IllegalArgumentException("step must be in [1, " + steps + "], got " + step);
        }
        return switch (this) {
            case CONSTANT -> base;
            case COSINE -> base * (1 + Math.cos(Math.PI * (step - 1) / steps)) / 2;
        };
    }

    public static LearningRateSchedule parse(String name) {
        for (LearningRateSchedule s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "': expected constant or cosine");
    }

    public String label() {
        return name().toLowerCase();
    }
}
