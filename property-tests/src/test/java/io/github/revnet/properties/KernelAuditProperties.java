package io.github.revnet.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.core.kernels.ConvRoute;
import io.github.revnet.core.kernels.KernelAudit;
import io.github.revnet.core.kernels.ConvShape;
import io.github.revnet.core.kernels.KernelDType;
import io.github.revnet.core.kernels.KernelFault;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.kernels.KernelVerdict;
import io.github.revnet.core.kernels.Layout;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * The kernel audit over generated convolution configurations, on the CI machine's own CPU: every configuration must be
 * routed to a route the audit found right against float64 (a failure shrinks to the smallest configuration that no route
 * computes right: LibTorch's defect on this CPU), and a planted kernel fault must be caught wherever it takes effect.
 * How often a configuration had to leave the layout it was given is counted, not asserted: that is the CPU's oneDNN's
 * business, and the routing's job is to make it not matter.
 */
class KernelAuditProperties {
    @AfterProperty
    void forget() {
        KernelRouting.forget();
    }

    @Provide
    Arbitrary<ConvShape> convolutions() {
        Arbitrary<Integer> channels = Arbitraries.oneOf(Arbitraries.integers().between(1, 64), Arbitraries.of(8, 12, 16, 24, 32, 48, 56, 64));
        return Combinators.combine(Arbitraries.integers().between(1, 4), channels, channels, Arbitraries.of(1, 3), Arbitraries.of(1, 2),
                Arbitraries.integers().between(3, 20), Arbitraries.integers().between(3, 20))
                .as((batch, in, out, k, stride, h, w) -> new ConvShape(batch, in, out, k, stride, k / 2, 1, h, w));
    }

    @Property(tries = 150)
    void everyConvolutionIsRoutedToARightKernel(@ForAll("convolutions") ConvShape shape, @ForAll KernelDType dtype, @ForAll Layout given) {
        KernelRouting.Decision d = KernelRouting.decide(shape, dtype, given);
        Statistics.label("runs on").collect(d.asGiven() ? "as given" : d.route() == null ? "none right" : d.route().label());
        assertTrue(d.right(), () -> d.audits().toString());
        KernelVerdict chosen = d.audits().get(d.audits().size() - 1);
        assertTrue(chosen.pass(), chosen.findings());
    }

    @Property(tries = 100)
    void aPlantedKernelFaultIsCaughtWhereverItTakesEffect(@ForAll("convolutions") ConvShape shape, @ForAll Layout given, @ForAll KernelFault fault) {
        boolean affected = fault.affects(shape, ConvRoute.of(given));
        // Where the fault does not reach the given route, the audit must say what it says without the fault: right where
        // this CPU's kernel is right (no false alarm), wrong where this CPU's own oneDNN is wrong (EPYC family 26 is, over
        // 17 input channels for one).
        KernelVerdict unfaulted = affected ? null : KernelAudit.convolution(shape, KernelDType.FLOAT32, ConvRoute.of(given));
        try (KernelFault.Planted planted = fault.plant()) {
            KernelRouting.Decision d = KernelRouting.decide(shape, KernelDType.FLOAT32, given);
            Statistics.label("fault takes effect").collect(affected ? "yes" : unfaulted.pass() ? "no" : "no, but this CPU's kernel is wrong");
            if (affected) {
                assertFalse(d.asGiven(), () -> fault + " on " + shape + " " + given + " was not caught: " + d.audits().get(0).findings());
                assertFalse(d.audits().get(0).pass());
            } else if (d.audits().get(0).notRun() == null && unfaulted.pass()) {
                assertTrue(d.asGiven(), () -> "a false alarm on " + shape + " " + given + ": " + d.audits().get(0).findings());
            } else if (d.audits().get(0).notRun() == null) {
                assertFalse(d.asGiven(), () -> shape + " " + given + " is wrong on this CPU without the fault (" + unfaulted.findings()
                        + ") and was kept under it");
            }
            assertTrue(d.right());
            if (fault == KernelFault.OFF_BY_1E4) {
                assertEquals(ConvRoute.REFERENCE, d.route());
            }
        }
    }
}
