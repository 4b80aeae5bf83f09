package io.github.revnet.core.reversible;

import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Layer;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs work with a layer's buffers (BatchNorm running mean, variance and batch counter) frozen:
 * a recomputation uses the batch statistics like the forward pass did, but must not update the
 * running statistics a second time.
 */
final class RunningStats {
    private RunningStats() {
    }

    static <T> T frozen(Layer layer, Supplier<T> work) {
        List<Tensor> buffers = layer.buffers();
        if (buffers.isEmpty() || !layer.isTraining()) {
            return work.get();
        }
        List<Tensor> snapshot = new ArrayList<>(buffers.size());
        PhaseClock.time(Phase.RUNNING_STATS, () -> Grad.off(() -> {
            for (Tensor b : buffers) {
                snapshot.add(b.clone());
            }
            return null;
        }));
        try {
            return work.get();
        } finally {
            PhaseClock.time(Phase.RUNNING_STATS, () -> {
                try (NativeScope scope = NativeScope.open()) {
                    Grad.off(() -> {
                        for (int i = 0; i < buffers.size(); i++) {
                            buffers.get(i).copy_(snapshot.get(i));
                        }
                        return null;
                    });
                }
            });
        }
    }
}
