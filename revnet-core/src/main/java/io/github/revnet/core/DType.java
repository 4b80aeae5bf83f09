package io.github.revnet.core;

import org.bytedeco.pytorch.global.torch;

/** The floating-point types a model can run in. */
public enum DType {
    FLOAT32(torch.ScalarType.Float, Math.ulp(1.0f)),
    FLOAT64(torch.ScalarType.Double, Math.ulp(1.0));

    private final torch.ScalarType scalarType;
    private final double epsilon;

    DType(torch.ScalarType scalarType, double epsilon) {
        this.scalarType = scalarType;
        this.epsilon = epsilon;
    }

    public torch.ScalarType scalarType() {
        return scalarType;
    }

    /** Machine epsilon: the gap between 1 and the next representable number. */
    public double epsilon() {
        return epsilon;
    }

    public String label() {
        return name().toLowerCase();
    }

    /** The label, so a mode or dtype reads the same in messages, tables and JSON as on the command line. */
    @Override
    public String toString() {
        return label();
    }

    public static DType parse(String name) {
        for (DType d : values()) {
            if (d.label().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "': expected float32 or float64");
    }

    public static DType of(torch.ScalarType type) {
        for (DType d : values()) {
            if (type != null && d.scalarType.value == type.value) { // JavaCPP hands out non-interned enum instances
                return d;
            }
        }
        return null;
    }
}
