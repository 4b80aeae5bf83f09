package io.github.revnet.gate;

import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleBlock;
import io.github.revnet.core.reversible.ReversibleStack;
import io.github.revnet.core.reversible.StreamLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/** A case over a user's block: a stack of {@code blocks} blocks from the factory, for an input of {@code shape}. */
public record CustomCase(String name, BlockFactory factory, StreamLayout streams, long[] shape, DType dtype, int blocks, Coupling coupling,
        double dropout, InputLayout layout, boolean inputRequiresGrad) implements GateCase {

    public CustomCase {
        shape = shape.clone();
        streams.check(name + " input", shape);
        if (shape[streams.axis()] % 2 != 0) {
            throw new IllegalArgumentException(name + ": a block splits " + streams.unit() + " into two halves, so their count must be even, got "
                    + shape[streams.axis()]);
        }
        if (blocks < 1) {
            throw new IllegalArgumentException(name + ": a stack needs at least 1 block, got " + blocks);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ReversibleStack buildWith(UnaryOperator<Layer> wrapF, UnaryOperator<Layer> wrapG) {
        long[] half = shape.clone();
        half[streams.axis()] /= 2;
        List<ReversibleBlock> list = new ArrayList<>(blocks);
        for (int i = 0; i < blocks; i++) {
            BlockSpec spec = new BlockSpec(half, streams, coupling, dropout, i);
            ReversibleBlock b = factory.create(spec);
            if (b == null) {
                throw new IllegalStateException(name + ": the block factory returned null for " + spec);
            }
            if (b.layout() != streams || !b.coupling().equals(coupling)) {
                throw new IllegalArgumentException(name + ": the block factory must honour the spec's layout and coupling (" + streams + ", "
                        + coupling.label() + "), got " + b.layout() + ", " + b.coupling().label() + " for " + spec);
            }
            list.add(new ReversibleBlock(wrapF.apply(b.f()), wrapG.apply(b.g()), b.coupling(), b.layout()));
        }
        return new ReversibleStack(list);
    }

    @Override
    public String family() {
        return name;
    }

    @Override
    public String functionLabel() {
        return name;
    }

    @Override
    public CustomCase singleBlock() {
        return new CustomCase(name, factory, streams, shape, dtype, 1, coupling, dropout, layout, inputRequiresGrad);
    }

    @Override
    public CustomCase withDtype(DType value) {
        return new CustomCase(name, factory, streams, shape, value, blocks, coupling, dropout, layout, inputRequiresGrad);
    }

    @Override
    public CustomCase withDropout(double value) {
        return new CustomCase(name, factory, streams, shape, dtype, blocks, coupling, value, layout, inputRequiresGrad);
    }

    @Override
    public CustomCase withCoupling(Coupling value) {
        return new CustomCase(name, factory, streams, shape, dtype, blocks, value, dropout, layout, inputRequiresGrad);
    }

    @Override
    public CustomCase forFiniteDifferences() {
        return new CustomCase(name, factory, streams, shape, DType.FLOAT64, Math.min(blocks, 4), coupling, 0.0, layout, true);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CustomCase c && c.toString().equals(toString()) && c.factory == factory;
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return String.format("%s %s %s x%d blocks %s%s %s%s", name, Arrays.toString(shape), coupling.label(), blocks, dtype.label(),
                dropout > 0 ? " dropout " + dropout : "", layout.name().toLowerCase(), inputRequiresGrad ? " input-grad" : "");
    }
}
