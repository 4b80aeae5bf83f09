package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Lifetimes: what a scope releases, keeps, adopts and retains, and when. */
class NativeScopeTest {
    @Test
    void aScopeReleasesWhatWasCreatedInItWhenItCloses() {
        Tensor t;
        try (NativeScope scope = NativeScope.open()) {
            t = torch.ones(4);
            assertFalse(t.isNull());
        }
        assertTrue(t.isNull(), "a tensor created in a scope must be released when it closes");
    }

    @Test
    void currentOutermostAndIsOpenFollowTheNesting() {
        assertFalse(NativeScope.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, NativeScope::current);
        assertTrue(e.getMessage().contains(Thread.currentThread().getName()), e.getMessage());
        try (NativeScope outer = NativeScope.open()) {
            assertTrue(NativeScope.isOpen());
            try (NativeScope inner = NativeScope.open()) {
                assertSame(inner, NativeScope.current());
                assertSame(outer, NativeScope.outermost());
            }
            assertSame(outer, NativeScope.current());
            assertSame(outer, NativeScope.outermost());
        }
        assertFalse(NativeScope.isOpen());
    }

    @Test
    void keepMovesAHandleToTheEnclosingScope() {
        Tensor kept;
        try (NativeScope outer = NativeScope.open()) {
            try (NativeScope inner = NativeScope.open()) {
                kept = inner.keep(torch.ones(3));
            }
            assertFalse(kept.isNull(), "kept handle must survive the inner scope");
            assertEquals(3.0, kept.sum().item_double());
        }
        assertTrue(kept.isNull(), "kept handle must be released with the enclosing scope");
    }

    @Test
    void keepWithoutAnEnclosingScopeIsRefused() {
        try (NativeScope only = NativeScope.open()) {
            Tensor t = torch.ones(1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> only.keep(t));
            assertTrue(e.getMessage().contains("enclosing NativeScope"), e.getMessage());
        }
    }

    @Test
    void callKeepsOnlyTheResult() {
        try (NativeScope outer = NativeScope.open()) {
            Tensor[] temporary = new Tensor[1];
            Tensor result = NativeScope.call(() -> {
                temporary[0] = torch.ones(2);
                return temporary[0].mul(new Scalar(3.0));
            });
            assertTrue(temporary[0].isNull(), "intermediates of call() must be released");
            assertEquals(6.0, result.sum().item_double());
        }
    }

    @Test
    void adoptedHandlesLiveUntilReleased() {
        Tensor adopted;
        try (NativeScope scope = NativeScope.open()) {
            adopted = scope.adopt(torch.ones(2));
        }
        assertFalse(adopted.isNull(), "an adopted handle must outlive its scope");
        NativeScope.release(adopted);
        assertTrue(adopted.isNull(), "release() must free an adopted handle");
        NativeScope.release(null);
        NativeScope.release(adopted);
    }

    @Test
    void chainReleasesEachIntermediateAndKeepsTheLast() {
        try (NativeScope outer = NativeScope.open()) {
            Tensor input = torch.ones(2);
            assertSame(input, NativeScope.chain(input, List.of()));
            List<Tensor> seen = new ArrayList<>();
            List<UnaryOperator<Tensor>> steps = List.of(
                    x -> { seen.add(x); return x.add(new Scalar(1.0)); },
                    x -> { seen.add(x); return x.mul(new Scalar(2.0)); },
                    x -> { seen.add(x); return x.sub(new Scalar(1.0)); });
            Tensor out;
            try (NativeScope caller = NativeScope.open()) {
                out = NativeScope.chain(input, steps);
                assertEquals(2 * ((1.0 + 1) * 2 - 1), out.sum().item_double());
                assertFalse(seen.get(0).isNull(), "the chain's input belongs to the caller");
                assertTrue(seen.get(1).isNull() && seen.get(2).isNull(), "intermediates must be released");
            }
            assertTrue(out.isNull(), "the chain's result must belong to the caller's scope");
        }
    }

    @Test
    void chainStepsThatPassTheirInputThroughReleaseNothingTwice() {
        try (NativeScope outer = NativeScope.open()) {
            Tensor input = torch.ones(2);
            UnaryOperator<Tensor> passThrough = x -> x; // dropout in eval mode
            List<Tensor> seen = new ArrayList<>();
            List<UnaryOperator<Tensor>> steps = List.of(
                    x -> x.add(new Scalar(1.0)),
                    passThrough,
                    x -> { seen.add(x); return x.mul(new Scalar(2.0)); },
                    passThrough);
            Tensor out;
            try (NativeScope caller = NativeScope.open()) {
                out = NativeScope.chain(input, steps);
                assertTrue(seen.get(0).isNull(), "an intermediate passed through is released once the step after it has consumed it");
                assertFalse(out.isNull(), "a result passed through by the last step must belong to the caller");
                assertEquals(2 * (1.0 + 1) * 2, out.sum().item_double());
            }
            assertTrue(out.isNull(), "the chain's result must belong to the caller's scope");
            assertSame(input, NativeScope.chain(input, List.of(passThrough, passThrough)));
            assertFalse(input.isNull(), "the chain's input belongs to the caller");
        }
    }

    @Test
    void retainedCallbacksBecomeCollectableWhenTheScopeCloses() throws Exception {
        NativeScope scope = NativeScope.open();
        java.lang.ref.WeakReference<Object> callback = new java.lang.ref.WeakReference<>(scope.retain(new Object()));
        System.gc();
        assertTrue(callback.get() != null, "a retained callback must stay reachable while its scope is open");
        scope.close();
        for (int i = 0; i < 20 && callback.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(callback.get() == null, "the scope still holds its callback after closing");
        assertFalse(scope.toString().isEmpty());
    }

    @Test
    void keepOnAClosedScopeSaysTheScopeIsClosedEvenInsideAnOpenOne() {
        try (NativeScope outer = NativeScope.open()) {
            NativeScope inner = NativeScope.open();
            inner.close();
            Tensor t = torch.ones(1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> inner.keep(t));
            assertTrue(e.getMessage().contains("already closed"), e.getMessage());
        }
    }

    @Test
    void closeActionsRunOnceInReverseOrderAndRetainedObjectsAreDropped() {
        List<String> order = new ArrayList<>();
        NativeScope scope = NativeScope.open();
        scope.onClose(() -> order.add("first"));
        scope.onClose(() -> order.add("second"));
        Object callback = new Object();
        assertSame(callback, scope.retain(callback));
        scope.close();
        scope.close();
        assertEquals(List.of("second", "first"), order);
        assertThrows(IllegalStateException.class, () -> scope.onClose(() -> { }));
        assertThrows(IllegalStateException.class, () -> scope.retain(callback));
        assertThrows(IllegalStateException.class, () -> scope.adopt(new Tensor()));
    }

    @Test
    void aScopeMustBeClosedOnItsOwnThread() throws Exception {
        NativeScope scope = NativeScope.open();
        try {
            ExecutionException e = assertThrows(ExecutionException.class, () -> CompletableFuture.runAsync(scope::close).get());
            assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("closed on the thread that opened it"), e.getCause().getMessage());
        } finally {
            scope.close();
        }
        assertFalse(NativeScope.isOpen());
    }

    @Test
    void handlesOutsideAnyScopeAreCountedAsAwaitingTheCollector() {
        Torch.ensureLoaded();
        long before = NativeScope.handlesAwaitingCollector();
        Tensor loose = torch.ones(1);
        assertEquals(before + 1, NativeScope.handlesAwaitingCollector());
        loose.close();
        assertEquals(before, NativeScope.handlesAwaitingCollector());
    }
}
