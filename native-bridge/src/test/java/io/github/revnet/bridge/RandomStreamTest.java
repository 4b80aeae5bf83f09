package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Private random streams: reproducible, isolated from the default generator, replayable from snapshots. */
class RandomStreamTest {
    private static Tensor draw(RandomStream stream) {
        return stream.activate(() -> RandomStream.bernoulliMask(torch.zeros(256), 0.5));
    }

    private static boolean same(Tensor a, Tensor b) {
        return a.eq(b).all().item_bool();
    }

    @Test
    void streamsSeededAlikeDrawAlikeAndReseedingStartsOver() {
        try (NativeScope scope = NativeScope.open()) {
            RandomStream a = RandomStream.seeded(42);
            RandomStream b = RandomStream.seeded(42);
            RandomStream c = RandomStream.seeded(43);
            Tensor first = draw(a);
            assertTrue(same(first, draw(b)));
            assertTrue(!same(first, draw(c)), "different seeds must give different masks");
            Tensor second = draw(a);
            assertTrue(!same(first, second), "a stream must advance");
            a.reseed(42);
            assertTrue(same(first, draw(a)), "reseeding must start the stream over");
        }
    }

    @Test
    void aSnapshotRestoresTheStreamAndStaysUsable() {
        try (NativeScope scope = NativeScope.open()) {
            RandomStream s = RandomStream.seeded(7);
            draw(s);
            RngState snapshot = s.capture();
            Tensor expected = draw(s);
            draw(s);
            snapshot.restore();
            assertTrue(same(expected, draw(s)));
            snapshot.restore();
            assertTrue(same(expected, draw(s)), "a snapshot must survive being restored");
            long before = NativeScope.handlesAwaitingCollector();
            snapshot.close();
            assertEquals(before - 1, NativeScope.handlesAwaitingCollector(), "closing a snapshot must release its state tensor");
            snapshot.close();
            assertThrows(IllegalStateException.class, snapshot::restore);
        }
    }

    @Test
    void aSnapshotIsReusedOnlyWhileTheStreamHasNotMoved() {
        try (NativeScope scope = NativeScope.open()) {
            RandomStream s = RandomStream.seeded(11);
            RandomStream other = RandomStream.seeded(11);
            RngState first = s.captureUnlessUnchanged(null);
            long handles = NativeScope.handlesAwaitingCollector();
            assertSame(first, s.captureUnlessUnchanged(first), "no draw in between: the same snapshot");
            assertEquals(handles, NativeScope.handlesAwaitingCollector(), "the unneeded new state must be released");
            RngState foreign = other.captureUnlessUnchanged(first);
            assertTrue(foreign != first, "another stream's snapshot is never reused, even in an equal state");
            Tensor expected = draw(s);
            RngState second = s.captureUnlessUnchanged(first);
            assertTrue(second != first, "after a draw: a new snapshot");
            draw(s);
            first.restore();
            assertTrue(same(expected, draw(s)), "the reused snapshot still restores the state it was taken in");
            first.restore();
            first.close();
            RngState afterClose = s.captureUnlessUnchanged(first);
            assertTrue(afterClose != first, "a closed snapshot is never handed out again, even with the stream in its state");
            afterClose.close();
            second.close();
            foreign.close();
        }
    }

    @Test
    void drawingFromAStreamLeavesTheDefaultGeneratorAlone() {
        try (NativeScope scope = NativeScope.open()) {
            RandomStream s = RandomStream.seeded(1);
            Torch.seed(5);
            Tensor expected = torch.rand(16);
            Torch.seed(5);
            draw(s);
            RngState snapshot = s.capture();
            snapshot.restore();
            assertTrue(same(expected, torch.rand(16)), "a stream's draws and restores must not touch the default generator");
        }
    }

    @Test
    void activationNestsAndUnwindsOnExceptions() {
        RandomStream outer = RandomStream.seeded(1);
        RandomStream inner = RandomStream.seeded(2);
        assertNull(RandomStream.active());
        outer.activate(() -> {
            assertSame(outer, RandomStream.active());
            inner.activate(() -> {
                assertSame(inner, RandomStream.active());
                return null;
            });
            assertSame(outer, RandomStream.active());
            return null;
        });
        assertThrows(IllegalStateException.class, () -> outer.activate(() -> {
            throw new IllegalStateException("boom");
        }));
        assertNull(RandomStream.active());
    }

    @Test
    void withoutAnActiveStreamMasksComeFromTheDefaultGenerator() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(9);
            Tensor a = RandomStream.bernoulliMask(torch.zeros(256), 0.5);
            Torch.seed(9);
            assertTrue(same(a, RandomStream.bernoulliMask(torch.zeros(256), 0.5)));
        }
    }

    @Test
    void masksHaveTheShapeAndKeepProbabilityAsked() {
        try (NativeScope scope = NativeScope.open()) {
            RandomStream s = RandomStream.seeded(3);
            Tensor all = s.activate(() -> RandomStream.bernoulliMask(torch.zeros(4, 5), 1.0));
            assertEquals(2, all.dim());
            assertEquals(20, all.sum().item_long());
            assertEquals(torch.ScalarType.Bool.value, all.scalar_type().value);
            assertEquals(0, s.activate(() -> RandomStream.bernoulliMask(torch.zeros(20), 0.0)).sum().item_long());
            long kept = s.activate(() -> RandomStream.bernoulliMask(torch.zeros(10000), 0.25)).sum().item_long();
            assertTrue(kept > 2200 && kept < 2800, "about a quarter kept, got " + kept);
            for (double bad : new double[] {-0.1, 1.1, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandomStream.bernoulliMask(torch.zeros(1), bad));
                assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
            }
        }
    }

    @Test
    void aForkedStreamIsReproducibleAfterSeedingTheDefaultGenerator() {
        try (NativeScope scope = NativeScope.open()) {
            Torch.seed(11);
            Tensor a = draw(RandomStream.forkedFromDefault());
            Torch.seed(11);
            assertTrue(same(a, draw(RandomStream.forkedFromDefault())));
            Torch.seed(12);
            assertTrue(!same(a, draw(RandomStream.forkedFromDefault())));
        }
    }
}
