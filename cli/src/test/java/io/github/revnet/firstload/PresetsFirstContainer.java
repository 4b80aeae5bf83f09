package io.github.revnet.firstload;

import io.github.revnet.core.layers.PreActConv;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.BlockFactory;
import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.BlockSpec;
import io.github.revnet.gate.ReversibleBlockProperties;
import io.github.revnet.gate.ShapeSpace;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** A user's gate container whose class initialiser is a preset call; run only by {@link FirstLoadProbe}. */
public class PresetsFirstContainer extends ReversibleBlockProperties {
    static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    static PreActConv function(BlockSpec spec) {
        return new PreActConv(spec.halfChannels(), spec.functionChannels(), 3, 1, true, 0);
    }

    @Override
    protected BlockGate gate() {
        return BlockGate.of("presets-first", BlockFactory.of(PresetsFirstContainer::function, PresetsFirstContainer::function),
                        ShapeSpace.images(4).height(1, 3).width(1, 3))
                .couplings(Coupling.ADDITIVE)
                .depths(1, 2);
    }
}
