package io.github.revnet.bench;

import io.github.revnet.core.profile.PhaseClock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * The question: what does a training step (forward, loss, backward, SGD update) cost in each mode
 * relative to stored mode, on the same machine in the same minute? One single-shot sample per
 * iteration, of one step or, for short steps, several ({@link RoundState#stepsPerSample});
 * {@link RoundState} interleaves the modes round by round, so every ratio is taken between
 * neighbours in time. The step's phases are clocked on the way (a few hundred
 * {@code nanoTime} calls against steps of tens of milliseconds).
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PairedStepBenchmark {
    @Benchmark
    public PhaseClock.Breakdown step(RoundState state) {
        state.lastBreakdown = PhaseClock.measure(() -> {
            for (int i = 0; i < state.stepsPerSample; i++) {
                state.rig.trainer.step(state.rig.images, state.rig.labels, state.current);
            }
        });
        return state.lastBreakdown;
    }
}
