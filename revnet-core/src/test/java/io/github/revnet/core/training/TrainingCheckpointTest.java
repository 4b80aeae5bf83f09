package io.github.revnet.core.training;

import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.data.InstalledDataset;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.training.LearningRateSchedule;
import io.github.revnet.core.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingCheckpointTest {
    private static FashionMnist data;

    @BeforeAll
    static void load() throws Exception {
        InstalledDataset.requireFashionMnist();
        data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
    }

    /**
     * 6 steps of batch 8 over 16 images: the data order reshuffles twice, and momentum is active from step 2. revnet-38,
     * whose BatchNorm buffers a checkpoint must carry too.
     */
    private static TrainingComparison.Options steps(int steps) {
        return new TrainingComparison.Options("revnet-38", steps, 8, 5, 0.05, LearningRateSchedule.CONSTANT, 3, 16, 16, DType.FLOAT32);
    }

    /** As {@link #steps}, on revvit-tiny: for what does not depend on the model (settings, refusals), at a tenth of the cost. */
    private static TrainingComparison.Options cheap(int steps) {
        return new TrainingComparison.Options("revvit-tiny", steps, 8, 5, 0.05, LearningRateSchedule.CONSTANT, 3, 16, 16, DType.FLOAT32);
    }

    @Test
    void aResumedComparisonContinuesExactlyAsTheUninterruptedOne(@TempDir Path dir) {
        TrainingComparison.Outcome straight = TrainingComparison.run(data, steps(6), line -> { });
        var checkpointing = new TrainingComparison.Checkpointing(dir, 2, true);
        TrainingComparison.run(data, steps(3), checkpointing, line -> { });
        assertTrue(Files.isRegularFile(dir.resolve("current/checkpoint.properties")), "no checkpoint written");
        TrainingComparison.Outcome resumed = TrainingComparison.run(data, steps(6), checkpointing, line -> { });
        assertEquals(straight.curve(), resumed.curve(), "per-step losses and angles of the resumed run");
        assertEquals(straight.stored(), resumed.stored());
        assertEquals(straight.reversible(), resumed.reversible());
    }

    @Test
    void aCosineRunInterruptedMidwayResumesOnTheSameRatesAndRefusesAnotherLength(@TempDir Path dir) {
        var cosine = new TrainingComparison.Options("revvit-tiny", 6, 8, 5, 0.05, LearningRateSchedule.COSINE, 3, 16, 16, DType.FLOAT32);
        TrainingComparison.Outcome straight = TrainingComparison.run(data, cosine, line -> { });
        var checkpointing = new TrainingComparison.Checkpointing(dir, 2, true);
        // A crash at step 6, after the checkpoint of step 4.
        assertThrows(IllegalStateException.class, () -> TrainingComparison.run(data, cosine, checkpointing, line -> {
            if (line.startsWith("step 6/6")) {
                throw new IllegalStateException("interrupted");
            }
        }));
        TrainingComparison.Outcome resumed = TrainingComparison.run(data, cosine, checkpointing, line -> { });
        assertEquals(straight.curve(), resumed.curve(), "per-step losses and angles of the resumed run");
        assertEquals(straight.reversible(), resumed.reversible());
        var longer = new TrainingComparison.Options("revvit-tiny", 8, 8, 5, 0.05, LearningRateSchedule.COSINE, 3, 16, 16, DType.FLOAT32);
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingComparison.run(data, longer, checkpointing, line -> { }));
        assertTrue(e.getMessage().contains("steps = 6") && e.getMessage().contains("steps = 8"), e.getMessage());
    }

    @Test
    void aResumedSingleModeRunEndsWhereTheUninterruptedOneEnds(@TempDir Path dir) {
        TrainingComparison.Run straight = TrainingComparison.single(data, steps(4), Mode.REVERSIBLE, line -> { });
        var checkpointing = new TrainingComparison.Checkpointing(dir, 100, true);
        TrainingComparison.single(data, steps(1), Mode.REVERSIBLE, checkpointing, line -> { });
        TrainingComparison.Run resumed = TrainingComparison.single(data, steps(4), Mode.REVERSIBLE, checkpointing, line -> { });
        assertEquals(straight, resumed);
    }

    @Test
    void resumingWithOtherSettingsIsRefusedNamingTheSetting(@TempDir Path dir) {
        TrainingComparison.run(data, cheap(1), new TrainingComparison.Checkpointing(dir, 1, false), line -> { });
        var other = new TrainingComparison.Options("revvit-tiny", 2, 4, 5, 0.05, LearningRateSchedule.CONSTANT, 3, 16, 16, DType.FLOAT32);
        var e = assertThrows(IllegalArgumentException.class,
                () -> TrainingComparison.run(data, other, new TrainingComparison.Checkpointing(dir, 1, true), line -> { }));
        assertTrue(e.getMessage().contains("batch = 8") && e.getMessage().contains("batch = 4"), e.getMessage());
        var modeChanged = assertThrows(IllegalArgumentException.class, () -> TrainingComparison.single(data, cheap(2), Mode.STORED,
                new TrainingComparison.Checkpointing(dir, 1, true), line -> { }));
        assertTrue(modeChanged.getMessage().contains("run = compare"), modeChanged.getMessage());
    }

    @Test
    void anExistingCheckpointIsNeitherOverwrittenNorResumedPastItsEnd(@TempDir Path dir) {
        TrainingComparison.single(data, cheap(2), Mode.STORED, new TrainingComparison.Checkpointing(dir, 1, false), line -> { });
        var overwrite = assertThrows(IllegalArgumentException.class, () -> TrainingComparison.single(data, cheap(2), Mode.STORED,
                new TrainingComparison.Checkpointing(dir, 1, false), line -> { }));
        assertTrue(overwrite.getMessage().contains("already holds a checkpoint"), overwrite.getMessage());
        var shorter = assertThrows(IllegalArgumentException.class, () -> TrainingComparison.single(data, cheap(1), Mode.STORED,
                new TrainingComparison.Checkpointing(dir, 1, true), line -> { }));
        assertTrue(shorter.getMessage().contains("at step 2, beyond the 1 steps"), shorter.getMessage());
    }

    @Test
    void aForeignFileIsRejectedWithItsName(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("stored.pt"), "not a LibTorch archive");
        try (Model model = Model.create("revnet-38", ModelOptions.defaults().inputChannels(1).classes(10));
                Trainer trainer = new Trainer(model, Trainer.Options.defaults())) {
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.load(junk));
            assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
        }
    }
}
