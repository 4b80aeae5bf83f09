package io.github.revnet.core.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.NativeScope;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bucketed reducer's bookkeeping on a one-rank group: layout, averages written back, and exactly once per step. */
class GradientBucketsTest {
    private static ProcessGroup group;

    @BeforeAll
    static void join() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        group = ProcessGroup.join(new LaunchEnvironment(0, 1, 0, "127.0.0.1", port), Duration.ofSeconds(30));
    }

    @AfterAll
    static void leave() {
        group.close();
    }

    /** Three float32 parameters of 4, 4 and 2 elements (16, 16 and 8 bytes). */
    private static Map<String, Tensor> parameters() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("a", torch.ones(4).requires_grad_(true));
        p.put("b", torch.ones(4).requires_grad_(true));
        p.put("c", torch.ones(2).requires_grad_(true));
        return p;
    }

    private static Tensor loss(Map<String, Tensor> p, String... names) {
        Tensor sum = torch.zeros(1);
        int k = 1;
        for (String n : names) {
            sum = sum.add(p.get(n).mul(new Scalar(k++)).sum());
        }
        return sum;
    }

    @Test
    void bucketsFillInReverseOrderUpToTheirCapAndTheAverageLandsInEachGradient() {
        try (NativeScope scope = NativeScope.open()) {
            Map<String, Tensor> p = parameters();
            try (GradientBuckets buckets = new GradientBuckets(group, p, 20)) {
                assertEquals(List.of(List.of("c"), List.of("b"), List.of("a")), buckets.layout());
            }
            try (GradientBuckets buckets = new GradientBuckets(group, p, 24)) {
                assertEquals(List.of(List.of("c", "b"), List.of("a")), buckets.layout());
                for (int step = 0; step < 2; step++) {
                    for (Tensor t : p.values()) {
                        Tensor g = t.grad();
                        if (g != null && g.defined()) {
                            g.zero_();
                        }
                    }
                    loss(p, "a", "b", "c").backward();
                    GradientBuckets.Timing timing = buckets.finish();
                    assertEquals(2, timing.buckets());
                    // one rank: the average is the rank's own gradient, 1, 2 and 3 per element
                    assertEquals(4.0, p.get("a").grad().sum().item_double(), 0);
                    assertEquals(8.0, p.get("b").grad().sum().item_double(), 0);
                    assertEquals(6.0, p.get("c").grad().sum().item_double(), 0);
                }
            }
        }
    }

    @Test
    void aParameterThatReceivedNoGradientIsNamed() {
        try (NativeScope scope = NativeScope.open()) {
            Map<String, Tensor> p = parameters();
            try (GradientBuckets mine = new GradientBuckets(group, p, 1 << 20)) {
                loss(p, "a", "c").backward();
                var e = assertThrows(IllegalStateException.class, mine::finish);
                assertEquals("rank 0: no gradient reached [b] in this step's backward", e.getMessage());
            }
        }
    }

    @Test
    void aSecondGradientOfOneParameterInOneStepIsRefusedByName() {
        // The reversible libraries' bug under DistributedDataParallel: a parameter's gradient delivered by two backward
        // calls of one step ("Expected to mark a variable ready only once").
        try (NativeScope scope = NativeScope.open()) {
            Map<String, Tensor> p = parameters();
            try (GradientBuckets buckets = new GradientBuckets(group, p, 1)) {
                loss(p, "a", "b", "c").backward();
                RuntimeException thrown = assertThrows(RuntimeException.class, () -> loss(p, "b").backward());
                assertTrue(thrown.getMessage().contains("a second gradient of b arrived in one step"), thrown.getMessage());
                var e = assertThrows(IllegalStateException.class, buckets::finish);
                assertTrue(e.getMessage().contains("a second gradient of b"), e.getMessage());
            }
        }
    }
}
