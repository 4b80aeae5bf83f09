package io.github.revnet.properties;

import io.github.revnet.core.Coupling;
import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.ReversibleStack;
import java.util.function.UnaryOperator;

/**
 * One generated case for the gate: a reversible stack of some block family (convolutional
 * {@link StackConfig}, transformer {@link TokenConfig}) with its input's shape, dtype and layout.
 */
sealed interface GateCase permits StackConfig, TokenConfig {
    /** The stack this case describes; built under the caller's seed. */
    default ReversibleStack build() {
        return buildWithF(f -> f);
    }

    /** The stack with every F replaced by {@code wrapF(F)}: test-only variants (garbage collection inside F, broken functions). */
    default ReversibleStack buildWithF(UnaryOperator<Layer> wrapF) {
        return buildWith(wrapF, g -> g);
    }

    /** The stack with every F replaced by {@code wrapF(F)} and every G by {@code wrapG(G)}. */
    ReversibleStack buildWith(UnaryOperator<Layer> wrapF, UnaryOperator<Layer> wrapG);

    /** The input's shape: (N, C, H, W) or (B, T, 2D). */
    long[] shape();

    DType dtype();

    int blocks();

    Coupling coupling();

    double dropout();

    boolean inputRequiresGrad();

    StackConfig.Layout layout();

    /** "conv" or "transformer", for the statistics. */
    String family();

    /** The residual functions' description, for the statistics. */
    String functionLabel();

    GateCase singleBlock();

    GateCase withDtype(DType value);

    GateCase withDropout(double value);

    GateCase withCoupling(Coupling value);

    /** At most 4 blocks, float64, no dropout, input gradient on: the finite-difference property's cases. */
    GateCase forFiniteDifferences();
}
