package io.github.revnet.core.reversible;

import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import org.bytedeco.pytorch.Tensor;

/** A coupling whose arithmetic is charged to {@link Phase#RECONSTRUCTION}: how a profiled backward sees the coupling's cost. */
final class PhasedCoupling extends ForwardingCoupling {
    private PhasedCoupling(Coupling inner) {
        super(inner);
    }

    /** {@code coupling} itself, or charged to reconstruction while a {@link PhaseClock} measures the step. */
    static Coupling forThisStep(Coupling coupling) {
        return PhaseClock.isMeasuring() ? new PhasedCoupling(coupling) : coupling;
    }

    @Override
    public Tensor combine(Tensor x, Tensor h) {
        return PhaseClock.time(Phase.RECONSTRUCTION, () -> inner.combine(x, h));
    }

    @Override
    public Tensor uncombine(Tensor y, Tensor h) {
        return PhaseClock.time(Phase.RECONSTRUCTION, () -> inner.uncombine(y, h));
    }

    @Override
    public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
        return PhaseClock.time(Phase.RECONSTRUCTION, () -> inner.gradientThroughCombine(dy, h));
    }

    @Override
    public Tensor[] backwardSeed(Tensor x, Tensor h, Tensor dy) {
        return PhaseClock.time(Phase.RECONSTRUCTION, () -> inner.backwardSeed(x, h, dy));
    }
}
