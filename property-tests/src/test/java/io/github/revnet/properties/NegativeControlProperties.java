package io.github.revnet.properties;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.DType;
import io.github.revnet.core.layers.FunctionOptions;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.core.reversible.ReversibleStack;
import io.github.revnet.core.reversible.Safeguards;
import io.github.revnet.gate.BrokenVariants;
import io.github.revnet.gate.ConvCase;
import io.github.revnet.gate.GateChecks;
import io.github.revnet.gate.Harness;
import io.github.revnet.gate.InputLayout;
import io.github.revnet.gate.TransformerCase;
import net.jqwik.api.Example;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gate that cannot fail is not a gate. Each broken variant below must be caught by the check
 * that guards against it, while the intact variant of the same configuration passes, so it is the
 * fault, not the configuration, that the check detects.
 */
class NegativeControlProperties {
    private static final long SEED = 20171204L;
    private static final ConvCase CONFIG = new ConvCase(2, 8, 5, 4, 3, FunctionOptions.Kind.BASIC, 3, DType.FLOAT64, true, 0.0,
            InputLayout.CONTIGUOUS, true);

    @Example
    void aReconstructionOffByATinyTermIsCaughtByTheInverseProperty() {
        // 1e-11 is ~4.5e4 ulps of 1 in float64 and ~20x the inverse tolerance for this stack; invisible in float32.
        try (Harness intact = new Harness(CONFIG, SEED); NativeScope scope = NativeScope.open()) {
            GateChecks.inverseHolds(intact);
        }
        try (Harness drifting = new Harness(CONFIG, SEED, () -> CONFIG.buildWithF(f -> new BrokenVariants.Drifting(f, 1e-11)));
                NativeScope scope = NativeScope.open()) {
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.inverseHolds(drifting));
            assertTrue(e.getMessage().contains("inverse(forward(x)) differs"), e.getMessage());
        }
    }

    @Example
    void anAffineInverseOffByATinyTermIsCaughtByTheInverseProperty() {
        // The forward is exact; only x = (y - t)/s + 1e-11 is wrong: ~4.5e4 ulps of 1, above this stack's affine inverse tolerance (~3e-12).
        ConvCase affine = new ConvCase(CONFIG.batch(), CONFIG.channels(), CONFIG.height(), CONFIG.width(), CONFIG.kernel(), CONFIG.kind(),
                CONFIG.blocks(), CONFIG.dtype(), CONFIG.batchNorm(), CONFIG.dropout(), CONFIG.layout(), CONFIG.inputRequiresGrad(),
                Coupling.AFFINE);
        try (Harness intact = new Harness(affine, SEED); NativeScope scope = NativeScope.open()) {
            GateChecks.inverseHolds(intact);
            GateChecks.gradientsAgree(intact, SEED);
        }
        try (Harness off = new Harness(affine, SEED, () -> ReversibleStack.of(affine.blocks(), affine.channels(), affine.functions(),
                new BrokenVariants.OffAffine(1e-11))); NativeScope scope = NativeScope.open()) {
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.inverseHolds(off));
            assertTrue(e.getMessage().contains("inverse(forward(x)) differs"), e.getMessage());
        }
    }

    @Example
    void aDroppedParameterGradientIsCaughtByGradientAgreement() {
        try (Harness dropping = new Harness(CONFIG, SEED, () -> CONFIG.buildWithF(BrokenVariants.GradientDropping::new));
                NativeScope scope = NativeScope.open()) {
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.gradientsAgree(dropping, SEED));
            assertTrue(e.getMessage().contains("gradients differ"), e.getMessage());
        }
    }

    @Example
    void aBatchNormThatUpdatesTwiceIsCaughtByTheRunningStatisticsProperty() {
        try (Harness intact = new Harness(CONFIG, SEED); NativeScope scope = NativeScope.open()) {
            GateChecks.runningStatsAgree(intact, SEED);
        }
        try (Harness twice = new Harness(CONFIG, SEED); NativeScope scope = NativeScope.open()) {
            twice.stack().safeguards(Safeguards.ON.withoutRunningStatsFreeze());
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.runningStatsAgree(twice, SEED));
            assertTrue(e.getMessage().contains("running statistics"), e.getMessage());
        }
    }

    @Example
    void anRngStateNotRestoredIsCaughtByTheDropoutProperty() {
        ConvCase dropout = CONFIG.withDropout(0.4);
        try (Harness intact = new Harness(dropout, SEED); NativeScope scope = NativeScope.open()) {
            GateChecks.gradientsAgree(intact, SEED);
        }
        try (Harness unrestored = new Harness(dropout, SEED); NativeScope scope = NativeScope.open()) {
            unrestored.stack().safeguards(Safeguards.ON.withoutRandomStateRestore());
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.gradientsAgree(unrestored, SEED));
            assertTrue(e.getMessage().contains("gradients differ"), e.getMessage());
        }
    }

    private static final TransformerCase TOKENS = new TransformerCase(2, 7, 2, 4, 2, 2, DType.FLOAT64, false, 0.25, InputLayout.CONTIGUOUS,
            true, Coupling.ADDITIVE);

    @Example
    void anAttentionDropoutThatIsNotReplayedIsCaughtByTheDropoutProperty() {
        try (Harness intact = new Harness(TOKENS, SEED); NativeScope scope = NativeScope.open()) {
            GateChecks.gradientsAgree(intact, SEED);
        }
        int out = TOKENS.coupling().functionChannels(TOKENS.width());
        try (Harness unreplayed = new Harness(TOKENS, SEED, () -> TOKENS.buildWithF(f -> new BrokenVariants.UnreplayedAttention(
                TOKENS.options(), out))); NativeScope scope = NativeScope.open()) {
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.gradientsAgree(unreplayed, SEED));
            assertTrue(e.getMessage().contains("gradients differ"), e.getMessage());
        }
    }

    @Example
    void anAffineInverseOffByATinyTermIsCaughtInATransformerStack() {
        TransformerCase affine = TOKENS.withDropout(0).withCoupling(Coupling.AFFINE);
        try (Harness intact = new Harness(affine, SEED); NativeScope scope = NativeScope.open()) {
            GateChecks.inverseHolds(intact);
            GateChecks.gradientsAgree(intact, SEED);
        }
        TransformerCase off = affine.withCoupling(new BrokenVariants.OffAffine(1e-11));
        try (Harness broken = new Harness(off, SEED); NativeScope scope = NativeScope.open()) {
            AssertionError e = assertThrows(AssertionError.class, () -> GateChecks.inverseHolds(broken));
            assertTrue(e.getMessage().contains("inverse(forward(x)) differs"), e.getMessage());
        }
    }
}
