package io.github.revnet.bench;

import io.github.revnet.core.Mode;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/** The question: how long is one full training step (forward, loss, backward, SGD update) in each mode? */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainingStepBenchmark {
    @Benchmark
    public double step(ModelState state) {
        return state.trainer.step(state.images, state.labels, Mode.parse(state.mode));
    }
}
