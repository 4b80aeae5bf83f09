package io.github.revnet.bench;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Mode;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The question: in stored mode, how long do forward (with its graph) and backward take on their
 * own? k = backward / forward gives the FLOP-style bound (2 + k) / (1 + k) on reversible overhead.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PassBenchmark {
    @Benchmark
    public Tensor forward(ModelState state, Graph graph) {
        graph.loss = state.net.loss(state.net.forward(state.images, Mode.STORED), state.labels);
        return graph.loss;
    }

    @Benchmark
    public void backward(ModelState state, ForwardDone done) {
        done.loss.backward();
    }

    /** Holds one invocation's graph; its scope closes after the invocation, outside the measurement. */
    @State(Scope.Thread)
    public static class Graph {
        NativeScope scope;
        Tensor loss;

        @Setup(Level.Invocation)
        public void open() {
            scope = NativeScope.open();
        }

        @TearDown(Level.Invocation)
        public void close() {
            scope.close();
        }
    }

    /** A forward pass done before the measured backward. */
    @State(Scope.Thread)
    public static class ForwardDone {
        NativeScope scope;
        Tensor loss;

        @Setup(Level.Invocation)
        public void forward(ModelState state) {
            scope = NativeScope.open();
            state.net.network().module().zero_grad(true);
            loss = state.net.loss(state.net.forward(state.images, Mode.STORED), state.labels);
        }

        @TearDown(Level.Invocation)
        public void close() {
            scope.close();
        }
    }
}
