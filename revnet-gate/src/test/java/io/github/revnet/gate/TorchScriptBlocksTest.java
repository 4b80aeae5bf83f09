package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.reversible.Coupling;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Blocks from TorchScript files: exported by Python (committed fixtures) and built from Java; every bad input named. */
class TorchScriptBlocksTest {
    /** Saved by examples/torchscript/export_blocks.py with Debian's PyTorch 1.13. */
    static final Path FIXTURES = Path.of("..", "examples", "torchscript");

    @TempDir
    Path dir;

    private static void gateOneCase(TorchScriptBlocks blocks, long[] shape, DType dtype, Coupling coupling) {
        blocks.validate(shape, dtype, coupling);
        BlockGate gate = BlockGate.of(blocks.name() + "-" + dtype.label(), blocks.factory(), ShapeSpace.images((int) shape[1]))
                .couplings(coupling);
        GateCase c = gate.caseOf(shape, dtype, 3);
        gate.checkInverse(c, 5);
        gate.checkGradients(c, 5);
        gate.checkAngle(c, 5);
        gate.checkRunningStatistics(c, 5);
        gate.checkFiniteDifferences(c, 5);
        double worst = gate.summary().worst("reversible gradients (max rel error)", dtype);
        assertTrue(worst <= Tolerances.ceiling(dtype), "worst relative gradient error " + worst);
    }

    @Test
    void aBlockExportedByPythonPassesTheGatesChecksInBothDtypes() {
        TorchScriptBlocks blocks = TorchScriptBlocks.of(FIXTURES.resolve("preact-f.pt"), FIXTURES.resolve("gated-g.pt"));
        gateOneCase(blocks, new long[] {2, 8, 5, 5}, DType.FLOAT64, Coupling.ADDITIVE);
        gateOneCase(blocks, new long[] {3, 8, 6, 6}, DType.FLOAT32, Coupling.ADDITIVE);
    }

    /** A 1x1 convolution over {@code in} channels to {@code out}, defined and saved from Java. */
    private Path javaScript(String name, int in, int out) {
        Torch.ensureLoaded();
        try (NativeScope scope = NativeScope.open()) {
            JitModule m = new JitModule(new QualifiedName(name));
            // The third argument is is_buffer; a parameter must ask for its gradient itself, as nn.Parameter does in Python.
            m.register_parameter("weight", torch.randn(out, in, 1, 1).mul(new Scalar(0.5)).requires_grad_(true), false);
            m.register_parameter("bias", torch.zeros(out).requires_grad_(true), false);
            m.define("def forward(self, x):\n    return torch.conv2d(torch.tanh(x), self.weight, self.bias)\n");
            Path file = dir.resolve(name + ".pt");
            m.save(file.toString());
            return file;
        }
    }

    @Test
    void blocksScriptedAndSavedFromJavaPassUnderBothCouplings() {
        Torch.seed(3);
        gateOneCase(TorchScriptBlocks.of(javaScript("F", 3, 3), javaScript("G", 3, 3)), new long[] {2, 6, 4, 3}, DType.FLOAT64,
                Coupling.ADDITIVE);
        gateOneCase(TorchScriptBlocks.of(javaScript("AffineF", 3, 6), javaScript("AffineG", 3, 6)), new long[] {2, 6, 4, 3}, DType.FLOAT64,
                Coupling.AFFINE);
    }

    private static void rejected(String expected, Runnable work) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, work::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void everyUnusableModuleIsRejectedWithWhatIsWrong() throws Exception {
        Path g = FIXTURES.resolve("gated-g.pt");
        long[] shape = {2, 8, 5, 5};
        rejected("missing.pt does not exist", () -> TorchScriptBlocks.of(FIXTURES.resolve("missing.pt"), g));
        Path text = Files.writeString(dir.resolve("not-a-script.pt"), "def forward(x): return x\n");
        rejected("could not be loaded", () -> TorchScriptBlocks.of(text, g));
        rejected("has no parameters that require a gradient", () -> TorchScriptBlocks.of(FIXTURES.resolve("parameterless.pt"), g));
        rejected("F must keep its input's shape", () -> TorchScriptBlocks.of(FIXTURES.resolve("widening.pt"), g)
                .validate(shape, DType.FLOAT32, Coupling.ADDITIVE));
        rejected("keeps state it changes between calls", () -> TorchScriptBlocks.of(FIXTURES.resolve("stateful.pt"), g)
                .validate(shape, DType.FLOAT32, Coupling.ADDITIVE));
        rejected("running_mean should contain 3 elements", () -> TorchScriptBlocks.of(FIXTURES.resolve("preact-f.pt"), g)
                .validate(new long[] {2, 6, 5, 5}, DType.FLOAT32, Coupling.ADDITIVE));
        rejected("rank 4 (N,C,H,W) or 3", () -> TorchScriptBlocks.layoutFor(new long[] {2, 8}));
    }

    /**
     * A Python-written F with nn.Dropout(0.25) and a G drawing torch.randn_like: random ops from LibTorch's default
     * generator, replayed through the stack's stream. Both dtypes pass every check, and the noise is really drawn (two
     * seeds give different gradients).
     */
    @Test
    void aBlockWithRandomOpsInsideTorchScriptPassesTheGateInBothDtypes() {
        TorchScriptBlocks random = TorchScriptBlocks.of(FIXTURES.resolve("dropout-f.pt"), FIXTURES.resolve("gaussian-g.pt"));
        for (DType dtype : DType.values()) {
            gateOneCase(random, new long[] {2, 8, 5, 5}, dtype, Coupling.ADDITIVE);
        }
        BlockGate gate = BlockGate.of("random", random.factory(), ShapeSpace.images(8));
        GateCase c = gate.caseOf(new long[] {2, 8, 5, 5}, DType.FLOAT64, 2);
        try (Harness h = new Harness(c, 3); NativeScope scope = NativeScope.open()) {
            double apart = GateChecks.gradientErrors(h.run(io.github.revnet.core.Mode.STORED, 1), h.run(io.github.revnet.core.Mode.STORED, 2))
                    .stream().mapToDouble(Double::doubleValue).max().orElse(0);
            assertTrue(apart > 1e-3, "two random seeds gave the same gradients (" + apart + "): the block drew nothing");
        }
    }

    /**
     * Two and three threads gating blocks with random ops at once agree bit for bit with one thread alone: each thread's
     * scripts draw from its own stack's stream, lent to the default generator one lender at a time.
     */
    @Test
    void threadsCheckingRandomBlocksAtOnceAgreeWithOneThread() throws Exception {
        TorchScriptBlocks random = TorchScriptBlocks.of(FIXTURES.resolve("dropout-f.pt"), FIXTURES.resolve("gaussian-g.pt"));
        BlockGate gate = BlockGate.of("random", random.factory(), ShapeSpace.images(8));
        GateCase c = gate.caseOf(new long[] {2, 8, 5, 5}, DType.FLOAT64, 3);
        Object building = new Object();
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> built = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.function.LongFunction<double[]> reversibleGradients = seed -> {
            Harness harness;
            // Building a harness seeds LibTorch's default generator and draws its input from it, which would move the
            // generator under a script that has it lent: every thread builds first, one at a time, then all check at once.
            synchronized (building) {
                harness = new Harness(c, seed);
            }
            java.util.concurrent.CountDownLatch all = built.get();
            all.countDown();
            try {
                all.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            try (Harness h = harness; NativeScope scope = NativeScope.open()) {
                Harness.Pass p = h.run(io.github.revnet.core.Mode.REVERSIBLE, seed);
                return p.gradients().stream().flatMapToDouble(t -> {
                    Tensor flat = t.contiguous().to(torch.ScalarType.Double).flatten(0, -1);
                    double[] out = new double[(int) flat.numel()];
                    new org.bytedeco.javacpp.DoublePointer(flat.data_ptr()).get(out);
                    return java.util.Arrays.stream(out);
                }).toArray();
            }
        };
        for (int threads : new int[] {2, 3}) {
            built.set(new java.util.concurrent.CountDownLatch(threads));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                java.util.List<java.util.concurrent.Future<double[]>> runs = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long seed = 40 + t;
                    runs.add(pool.submit(() -> reversibleGradients.apply(seed)));
                }
                java.util.List<double[]> together = new java.util.ArrayList<>();
                for (var run : runs) {
                    together.add(run.get(5, java.util.concurrent.TimeUnit.MINUTES));
                }
                for (int t = 0; t < threads; t++) {
                    built.set(new java.util.concurrent.CountDownLatch(1));
                    double[] alone = reversibleGradients.apply(40 + t);
                    assertTrue(java.util.Arrays.equals(alone, together.get(t)), threads + " threads: thread " + t + " differs from one thread alone");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
