package io.github.revnet.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.GateCase;
import io.github.revnet.gate.GateStrength;
import io.github.revnet.gate.PlantedFault;
import io.github.revnet.gate.ShapeSpace;
import io.github.revnet.gate.TorchScriptBlocks;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random ops inside a user's TorchScript block (a Python-written F with nn.Dropout(0.25), a G adding torch.randn_like
 * noise): the gate's gradient property holds over generated shapes, depths and dtypes, and the planted faults that
 * concern randomness take effect there and are caught.
 */
class ScriptedRandomProperties {
    private static final Path FIXTURES = Path.of("..", "examples", "torchscript");
    private static final BlockGate GATE = BlockGate.of("dropout-f+gaussian-g",
            TorchScriptBlocks.of(FIXTURES.resolve("dropout-f.pt"), FIXTURES.resolve("gaussian-g.pt")).factory(),
            ShapeSpace.images(8).batch(1, 3).height(1, 6).width(1, 6)).depths(1, 4);

    @Provide
    Arbitrary<GateCase> cases() {
        return GATE.cases();
    }

    @Property(tries = 40)
    void reversibleGradientsEqualStoredGradientsWithRandomOpsInsideTheScript(@ForAll("cases") GateCase c) {
        GATE.checkGradients(c, 11);
    }

    @org.junit.jupiter.api.Test
    void theRandomnessFaultsAreCaughtWhereverTheyTakeEffect() {
        EnumSet<PlantedFault> randomness = EnumSet.noneOf(PlantedFault.class);
        for (PlantedFault f : PlantedFault.values()) {
            if (f.needsRandomOps()) {
                randomness.add(f);
            }
        }
        GateStrength.Campaign campaign = GateStrength.campaign(GATE.cases(), 30, 17, randomness, line -> { });
        assertEquals(List.of(), campaign.falseAlarms(), "the gate failed intact passes");
        for (PlantedFault fault : randomness) {
            int caught = campaign.table().stream().filter(r -> r.fault() == fault).mapToInt(GateStrength.Row::caught).sum();
            int missed = campaign.table().stream().filter(r -> r.fault() == fault).mapToInt(GateStrength.Row::missed).sum();
            int noEffect = campaign.table().stream().filter(r -> r.fault() == fault).mapToInt(GateStrength.Row::noEffect).sum();
            System.out.printf("%s: caught %d of %d, no effect %d%n", fault.label(), caught, caught + missed, noEffect);
            assertTrue(caught > 0, fault + " never took effect on the scripted block: " + campaign.table());
            assertTrue(caught >= 0.99 * (caught + missed), fault + " caught in " + caught + " of " + (caught + missed) + ": " + campaign.misses());
        }
    }
}
