package io.github.revnet.gate;

import io.github.revnet.core.Layer;
import io.github.revnet.core.reversible.ReversibleBlock;
import java.util.Objects;

/**
 * Builds a user's reversible block for a {@link BlockSpec}. Called under the case's seed, once per
 * block of a stack, so each block gets its own weights. F and G must be functions of their input
 * and, for random ops, of the enclosing stack's stream ({@code io.github.revnet.bridge.RandomStream}):
 * that is what lets reversible mode recompute them.
 */
@FunctionalInterface
public interface BlockFactory {
    ReversibleBlock create(BlockSpec spec);

    /** Builds F and G for a spec. */
    @FunctionalInterface
    interface FunctionFactory {
        Layer create(BlockSpec spec);
    }

    /** A block of {@code f} and {@code g} under the spec's coupling and layout. */
    static BlockFactory of(FunctionFactory f, FunctionFactory g) {
        Objects.requireNonNull(f, "F factory");
        Objects.requireNonNull(g, "G factory");
        return spec -> new ReversibleBlock(f.create(spec), g.create(spec), spec.coupling(), spec.layout());
    }
}
