package io.github.revnet.core.profile;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.Trainer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhaseClockTest {
    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void nestedPhasesAreChargedExclusivelyAndThePhasesAddUpToTheStep() {
        PhaseClock.Breakdown b = PhaseClock.measure(() -> PhaseClock.time(Phase.BACKWARD, () -> {
            spin(2_000_000);
            PhaseClock.time(Phase.RECOMPUTE_FORWARD, () -> spin(5_000_000));
            spin(2_000_000);
        }));
        assertEquals(b.totalNanos(), Arrays.stream(b.nanos()).sum(), "exclusive accounting leaves nothing out and counts nothing twice");
        assertTrue(b.millis(Phase.RECOMPUTE_FORWARD) >= 5, "the nested phase holds its own 5 ms: " + b.millis(Phase.RECOMPUTE_FORWARD));
        assertTrue(b.millis(Phase.BACKWARD) >= 4, "the outer phase keeps the 4 ms outside the nested one: " + b.millis(Phase.BACKWARD));
        assertTrue(b.millis(Phase.BACKWARD) < b.totalMillis() - 5, "the outer phase is not charged the nested phase's time");
    }

    @Test
    void theClockIsOffOutsideMeasureAndNotReentrant() {
        assertEquals(7, PhaseClock.time(Phase.LOSS, () -> 7), "off: the work runs, nothing is recorded");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PhaseClock.measure(() -> PhaseClock.measure(() -> { })));
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
        assertEquals(0, PhaseClock.measure(() -> { }).foreignCalls(), "a failed nested measure leaves the clock usable");
    }

    @Test
    void aReversibleStepIsChargedToRecomputationOnTheCallingThreadAndAStoredStepIsNot() {
        Set<Phase> reversibleOnly = EnumSet.of(Phase.FORWARD_NO_GRAPH, Phase.RECOMPUTE_FORWARD, Phase.RECOMPUTE_BACKWARD,
                Phase.RECONSTRUCTION);
        try (NativeScope scope = NativeScope.open(); Model model = Model.create("revnet-38", ModelOptions.defaults().dtype(DType.FLOAT64))) {
            Trainer trainer = new Trainer(model, Trainer.Options.defaults());
            Torch.seed(3);
            Tensor x = model.randomInput(2, 16);
            Tensor y = model.randomLabels(2);
            PhaseClock.Breakdown stored = PhaseClock.measure(() -> trainer.step(x, y, Mode.STORED));
            PhaseClock.Breakdown reversible = PhaseClock.measure(() -> trainer.step(x, y, Mode.REVERSIBLE));
            trainer.close();
            for (Phase p : reversibleOnly) {
                assertEquals(0, stored.nanos()[p.ordinal()], p + " in a stored step");
                assertTrue(reversible.nanos()[p.ordinal()] > 0, p + " missing from a reversible step");
            }
            assertEquals(0, reversible.foreignCalls(), "backward hooks ran on another thread: the breakdown would miss their time");
            assertTrue(stored.millis(Phase.BACKWARD) > 0 && stored.millis(Phase.FORWARD_GRAPH) > 0 && stored.backwardOverForward() > 0);
        }
    }
}
