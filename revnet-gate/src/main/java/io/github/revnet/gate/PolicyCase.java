package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.Precision;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleStack;
import java.util.function.UnaryOperator;

/**
 * A generated case run under a {@link Precision} policy other than fp32: the same stack, its
 * reversible, checkpoint and stored passes all under the policy, so each mode is compared with
 * stored mode computing in the same precision. The bfloat16 policies keep float32 streams.
 */
public record PolicyCase(GateCase inner, Precision precision) implements GateCase {
    public PolicyCase {
        precision.requireCompatible(inner.dtype());
    }

    @Override
    public ReversibleStack buildWith(UnaryOperator<Layer> wrapF, UnaryOperator<Layer> wrapG) {
        return inner.buildWith(wrapF, wrapG).precision(precision);
    }

    @Override
    public long[] shape() {
        return inner.shape();
    }

    @Override
    public DType dtype() {
        return inner.dtype();
    }

    @Override
    public int blocks() {
        return inner.blocks();
    }

    @Override
    public Coupling coupling() {
        return inner.coupling();
    }

    @Override
    public double dropout() {
        return inner.dropout();
    }

    @Override
    public boolean inputRequiresGrad() {
        return inner.inputRequiresGrad();
    }

    @Override
    public InputLayout layout() {
        return inner.layout();
    }

    @Override
    public String family() {
        return inner.family();
    }

    @Override
    public String functionLabel() {
        return inner.functionLabel();
    }

    @Override
    public GateCase singleBlock() {
        return new PolicyCase(inner.singleBlock(), precision);
    }

    @Override
    public GateCase withDtype(DType value) {
        return new PolicyCase(inner.withDtype(value), precision);
    }

    @Override
    public GateCase withDropout(double value) {
        return new PolicyCase(inner.withDropout(value), precision);
    }

    @Override
    public GateCase withCoupling(Coupling value) {
        return new PolicyCase(inner.withCoupling(value), precision);
    }

    /** Finite differences check stored mode's arithmetic in float64, which no bfloat16 policy runs in: the inner case's. */
    @Override
    public GateCase forFiniteDifferences() {
        return inner.forFiniteDifferences();
    }

    @Override
    public String toString() {
        return inner + " " + precision.label();
    }
}
