package io.github.revnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A correct block with 24-channel halves passes check in both dtypes on this CPU's production kernels; the audit prints
 * its kernel table, catches a planted kernel fault and routes around it.
 */
class AuditCommandTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static String fixture(String name) {
        return Path.of(ScriptedBlockCommandTest.FIXTURES, name).toString();
    }

    @Test
    void aCorrect24ChannelBlockPassesCheckInFloat32AndFloat64() {
        for (String dtype : new String[] {"float32", "float64"}) {
            CliRun o = run("check", "--f", fixture("preact24-f.pt"), "--g", fixture("preact24-g.pt"), "--shape", "4,48,16,16", "--dtype", dtype);
            assertEquals(0, o.code(), dtype + ":\n" + o.out() + o.err());
            assertTrue(o.out().contains("kernels: production"), o.out());
        }
    }

    @Test
    void theAuditCatchesAPlantedKernelFaultInTheBlockAndRoutesAroundIt() {
        CliRun intact = run("audit", "--f", fixture("preact24-f.pt"), "--g", fixture("preact24-g.pt"), "--shape", "4,48,16,16");
        assertEquals(0, intact.code(), intact.out() + intact.err());
        assertTrue(intact.out().contains("3x3 conv 24->24, 16x16, batch 4"), intact.out());
        CliRun planted = run("audit", "--f", fixture("preact24-f.pt"), "--g", fixture("preact24-g.pt"), "--shape", "4,48,16,16",
                "--plant", "padding-lanes");
        assertEquals(0, planted.code(), "routed around, so every kernel runs right:\n" + planted.out() + planted.err());
        assertTrue(planted.out().contains("FAIL") && planted.out().contains("forward off by"), planted.out());
        assertTrue(planted.out().contains("oneDNN, channels-last"), planted.out());
        assertTrue(planted.out().lines().anyMatch(l -> l.contains("rerouted") && !l.contains(" 0 rerouted")), planted.out());
    }

    @Test
    void theModelAuditListsEveryConvolutionAndLinearLayer() {
        CliRun o = run("audit", "--model", "revnet-38", "--batch", "2");
        assertEquals(0, o.code(), o.out() + o.err());
        for (String kernel : new String[] {"3x3 conv 3->32", "3x3 conv 56->56, 8x8", "linear 112->10"}) {
            assertTrue(o.out().contains(kernel), kernel + " missing:\n" + o.out());
        }
        CliRun all = run("audit", "--model", "revnet-38", "--batch", "2", "--plant", "off-by-1e4");
        assertEquals(0, all.code(), all.out() + all.err());
        assertTrue(all.out().contains("reference kernel (slow_conv2d)"), all.out());
    }

    @Test
    void badInputIsRefusedByName() {
        assertEquals(2, run("audit").code());
        assertEquals(2, run("audit", "--model", "revnet-38", "--batch", "0").code());
        assertEquals(2, run("audit", "--model", "revnet-38", "--plant", "nope").code());
        assertEquals(2, run("audit", "--f", fixture("preact24-f.pt"), "--shape", "4,48,16,16").code());
    }
}
