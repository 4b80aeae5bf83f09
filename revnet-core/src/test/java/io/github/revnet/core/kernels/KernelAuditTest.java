package io.github.revnet.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.Torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The audit against float64 and the routing it drives. Nothing here assumes a CPU's oneDNN is right: what must hold on
 * every CPU is that a routed convolution runs on a route the audit found right, that LibTorch's reference kernel is
 * right, and that planted kernel faults are caught and routed around.
 */
class KernelAuditTest {
    /** The channel counts oneDNN computed wrongly on EPYC family 26, and their neighbours. */
    private static final ConvShape[] SHAPES = {
        new ConvShape(4, 24, 24, 3, 1, 1, 1, 8, 8), new ConvShape(4, 24, 24, 3, 1, 1, 1, 32, 32),
        new ConvShape(4, 56, 56, 3, 1, 1, 1, 8, 8), new ConvShape(4, 16, 32, 3, 2, 1, 1, 16, 16),
        new ConvShape(2, 12, 12, 1, 1, 0, 1, 6, 6), new ConvShape(3, 8, 8, 3, 1, 1, 8, 7, 5),
    };

    @AfterEach
    void forget() {
        KernelRouting.forget();
    }

    @Test
    void everyConfigurationIsRoutedToARouteTheAuditFoundRight() {
        Torch.ensureLoaded();
        for (KernelDType dtype : KernelDType.values()) {
            for (ConvShape shape : SHAPES) {
                for (Layout given : Layout.values()) {
                    KernelRouting.Decision d = KernelRouting.decide(shape, dtype, given);
                    assertTrue(d.right(), () -> KernelRouting.refusal(d));
                    KernelVerdict chosen = d.audits().get(d.audits().size() - 1);
                    assertTrue(chosen.pass(), chosen.findings());
                    assertEquals(d.route().description(), chosen.route());
                    System.out.printf("%-36s %-8s %-13s -> %-13s worst error/bound %.3g%n", shape, dtype, given, d.route(), chosen.worstRatio());
                }
            }
        }
    }

    @Test
    void libtorchsReferenceKernelIsRightInFloat32() {
        for (ConvShape shape : SHAPES) {
            KernelVerdict v = KernelAudit.convolution(shape, KernelDType.FLOAT32, ConvRoute.REFERENCE);
            assertTrue(v.pass(), shape + ": " + v.findings());
            assertTrue(v.worstRatio() < 0.5, shape + ": a correct kernel sits well inside the bound, got " + v.worstRatio());
        }
    }

    @Test
    void aKernelWrongInItsPaddingLanesIsCaughtAndRoutedAround() {
        ConvShape shape = new ConvShape(4, 24, 24, 3, 1, 1, 1, 16, 16);
        try (KernelFault.Planted planted = KernelFault.PADDING_LANES.plant()) {
            KernelVerdict wrong = KernelAudit.convolution(shape, KernelDType.FLOAT32, ConvRoute.CONTIGUOUS);
            assertFalse(wrong.pass());
            // NaN where the CPU's own oneDNN already computes this shape wrongly (EPYC family 26): failing either way
            assertFalse(wrong.worstRatio() <= 100, "30 % off is far outside float32's rounding: " + wrong.findings());
            KernelRouting.Decision d = KernelRouting.decide(shape, KernelDType.FLOAT32, Layout.CONTIGUOUS);
            assertFalse(d.asGiven());
            assertEquals(ConvRoute.CHANNELS_LAST, d.route(), "the other layout is right under this fault");
            assertTrue(d.defect().contains("24->24"), d.defect());
            // a multiple of 16 has no padding lanes: not affected, not moved (the audit does not cry wolf)
            assertTrue(KernelRouting.decide(new ConvShape(4, 32, 32, 3, 1, 1, 1, 16, 16), KernelDType.FLOAT32, Layout.CONTIGUOUS).asGiven());
        }
        assertTrue(KernelRouting.decide(shape, KernelDType.FLOAT32, Layout.CONTIGUOUS).right(), "closing the fault forgets its decisions");
    }

    @Test
    void aKernelOffBy1e4IsCaughtOnBothLayoutsAndRoutedToTheReferenceKernel() {
        try (KernelFault.Planted planted = KernelFault.OFF_BY_1E4.plant()) {
            for (ConvShape shape : SHAPES) {
                for (Layout given : Layout.values()) {
                    KernelRouting.Decision d = KernelRouting.decide(shape, KernelDType.FLOAT32, given);
                    assertEquals(ConvRoute.REFERENCE, d.route(), shape + " " + given + ": " + d.audits());
                    assertEquals(3, d.audits().size());
                }
            }
        }
    }

    @Test
    void bfloat16sBoundIsItsOwnRoundingNotFloat32s() {
        // Off by 1e-4 is inside bfloat16's rounding (2^-8 = 3.9e-3): the audit does not claim to see it there. The
        // fault is planted on a oneDNN route this CPU computes right without it, since some CPUs' oneDNN is wrong in
        // bfloat16 at channel counts off a multiple of 16.
        ConvShape shape = null;
        ConvRoute route = null;
        for (ConvShape s : new ConvShape[] {SHAPES[0], new ConvShape(4, 32, 32, 3, 1, 1, 1, 8, 8)}) {
            for (ConvRoute r : new ConvRoute[] {ConvRoute.CONTIGUOUS, ConvRoute.CHANNELS_LAST}) {
                if (route == null && KernelAudit.convolution(s, KernelDType.BFLOAT16, r).pass()) {
                    shape = s;
                    route = r;
                }
            }
        }
        assertNotNull(route, "no oneDNN route computes a 24- or 32-channel bfloat16 convolution right on this CPU");
        try (KernelFault.Planted planted = KernelFault.OFF_BY_1E4.plant()) {
            KernelVerdict v = KernelAudit.convolution(shape, KernelDType.BFLOAT16, route);
            assertTrue(v.pass(), shape + " " + route + ": " + v.findings());
        }
        assertTrue(RoundingBound.ofSum(216, KernelDType.BFLOAT16) > 0x1p-8);
        assertTrue(RoundingBound.ofSum(216, KernelDType.FLOAT32) < 1e-5);
    }

    @Test
    void aRouteKnownToCorruptTheProcessIsNotRunWhoeverAsks() {
        // oneDNN's channels-last strided 1x1 backward over fewer than 16 input channels writes past its buffers
        KernelVerdict v = KernelAudit.convolution(new ConvShape(3, 8, 15, 1, 2, 0, 1, 16, 10), KernelDType.FLOAT32, ConvRoute.CHANNELS_LAST);
        assertFalse(v.pass());
        assertNotNull(v.notRun());
        assertTrue(v.findings().contains("writes past its buffers"), v.findings());
    }

    @Test
    void theBoundIsHighamAndMarysForTheTermsAndTheOutputRounding() {
        double u = 0x1p-24;
        assertEquals(Math.expm1(8 * 3 * u + 9 * u * u / (1 - u)) * (1 + u) + u, RoundingBound.ofSum(9, KernelDType.FLOAT32), 1e-20);
        assertTrue(RoundingBound.ofSum(10_000, KernelDType.FLOAT32) > RoundingBound.ofSum(100, KernelDType.FLOAT32));
        assertNotEquals(0, RoundingBound.ofSum(1, KernelDType.FLOAT32));
    }
}
