package io.github.revnet.core;

import java.util.Arrays;

/** Argument checks at the boundary, with messages that name the value and the rule. */
public final class Check {
    private Check() {
    }

    public static int positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + value);
        }
        return value;
    }

    public static int even(String what, int value) {
        if (value % 2 != 0) {
            throw new IllegalArgumentException(what + " must be even so the channels split into two halves, got " + value);
        }
        return value;
    }

    public static double probability(String what, double value) {
        if (!(value >= 0.0 && value < 1.0)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + value);
        }
        return value;
    }

    public static void rank4(String what, long[] shape) {
        if (shape.length != 4) {
            throw new IllegalArgumentException(what + " must have rank 4 (batch, channels, height, width), got rank "
                    + shape.length + " with shape " + Arrays.toString(shape));
        }
        for (long s : shape) {
            if (s < 1) {
                throw new IllegalArgumentException(what + " has an empty dimension: " + Arrays.toString(shape));
            }
        }
    }
}
