package example;

import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.BlockFactory;
import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.BlockSpec;
import io.github.revnet.gate.ReversibleBlockProperties;
import io.github.revnet.gate.ShapeSpace;

/** Every property of the harness's gate over the depthwise-separable block: both couplings, with and without dropout. */
class DepthwiseBlockGateProperties extends ReversibleBlockProperties {
    static final boolean BROKEN = Boolean.getBoolean("example.broken");

    static DepthwiseSeparable function(BlockSpec spec) {
        return new DepthwiseSeparable(spec.halfChannels(), spec.functionChannels(), spec.dropout(), BROKEN);
    }

    @Override
    protected BlockGate gate() {
        return BlockGate.of("depthwise-separable", BlockFactory.of(DepthwiseBlockGateProperties::function, DepthwiseBlockGateProperties::function),
                        ShapeSpace.images(4, 8, 12).height(1, 6).width(1, 6))
                .couplings(Coupling.ADDITIVE, Coupling.AFFINE)
                .dropouts(0.0, 0.2)
                .depths(1, 4);
    }
}
