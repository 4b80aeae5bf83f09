package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.function.UnaryOperator;

/**
 * One generated case for the gate: a reversible stack of some block family with its input's
 * shape, dtype and memory layout. The harness's own families are {@link ConvCase} and
 * {@link TransformerCase}; a user's blocks come in as {@link CustomCase} through {@link BlockGate}.
 */
public interface GateCase {
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

    InputLayout layout();

    /** "conv", "transformer" or a user's block name, for the statistics. */
    String family();

    /** The residual functions' description, for the statistics. */
    String functionLabel();

    /** The same case with one block. */
    GateCase singleBlock();

    GateCase withDtype(DType value);

    /** The same case with dropout {@code value} in F and G (for a user's block: requested from its factory). */
    GateCase withDropout(double value);

    /** The same case under another coupling (for a user's block: requested from its factory). */
    GateCase withCoupling(Coupling value);

    /** At most 4 blocks, float64, no dropout, input gradient on: the finite-difference property's cases. */
    GateCase forFiniteDifferences();
}
