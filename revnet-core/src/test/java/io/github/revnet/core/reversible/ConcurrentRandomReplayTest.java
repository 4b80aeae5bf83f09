package io.github.revnet.core.reversible;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.checks.GradientCheck;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropout replay under concurrency: several threads each compare a dropout model's stored and
 * reversible gradients at the same time while another thread draws from LibTorch's default
 * generator without pause. With replay on the process-wide generator the threads disturbed each
 * other's masks (relative gradient error 2.18); with a private stream per stack every thread must
 * agree as closely as a thread alone.
 */
class ConcurrentRandomReplayTest {
    private static final int CHECKERS = 3;
    private static final int ROUNDS = 4;

    @Test
    void reversibleGradientsEqualStoredGradientsInEveryThreadWhileOthersDrawRandomNumbers() throws Exception {
        Torch.ensureLoaded();
        ExecutorService pool = Executors.newFixedThreadPool(CHECKERS + 1);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong noiseDraws = new AtomicLong();
        try {
            Future<?> noise = pool.submit(() -> {
                while (running.get()) {
                    try (NativeScope scope = NativeScope.open()) {
                        torch.rand(64).sum().item_double();
                        noiseDraws.incrementAndGet();
                    }
                }
            });
            List<Future<List<Double>>> checkers = new ArrayList<>();
            for (int t = 0; t < CHECKERS; t++) {
                long seed = 100 + t;
                checkers.add(pool.submit(() -> checkRepeatedly(seed)));
            }
            List<String> failures = new ArrayList<>();
            for (int t = 0; t < CHECKERS; t++) {
                List<Double> errors = checkers.get(t).get(10, TimeUnit.MINUTES);
                for (int round = 0; round < errors.size(); round++) {
                    if (!(errors.get(round) <= 1e-10)) {
                        failures.add("thread " + t + " round " + round + ": relative gradient error " + errors.get(round));
                    }
                }
            }
            running.set(false);
            noise.get(1, TimeUnit.MINUTES);
            assertTrue(noiseDraws.get() > 0, "the noise thread never drew a random number");
            assertTrue(failures.isEmpty(), "reversible and stored gradients disagree under concurrency (noise draws: "
                    + noiseDraws.get() + "): " + failures);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }

    /** Each round: a fresh batch through stack-6 with dropout 0.25 in float64, stored vs reversible. */
    private static List<Double> checkRepeatedly(long seed) {
        List<Double> errors = new ArrayList<>();
        try (Model model = Model.create("stack-6", ModelOptions.defaults().dtype(DType.FLOAT64).dropout(0.25).seed(seed))) {
            for (int round = 0; round < ROUNDS; round++) {
                try (NativeScope scope = NativeScope.open()) {
                    var result = GradientCheck.run(model, model.randomInput(2, 8), model.randomLabels(2));
                    errors.add(result.maxRelativeGradError());
                }
            }
        }
        return errors;
    }
}
