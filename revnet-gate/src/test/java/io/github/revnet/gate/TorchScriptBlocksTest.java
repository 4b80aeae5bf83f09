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
        rejected("is not deterministic", () -> TorchScriptBlocks.of(FIXTURES.resolve("noisy.pt"), g)
                .validate(shape, DType.FLOAT32, Coupling.ADDITIVE));
        rejected("running_mean should contain 3 elements", () -> TorchScriptBlocks.of(FIXTURES.resolve("preact-f.pt"), g)
                .validate(new long[] {2, 6, 5, 5}, DType.FLOAT32, Coupling.ADDITIVE));
        rejected("rank 4 (N,C,H,W) or 3", () -> TorchScriptBlocks.layoutFor(new long[] {2, 8}));
    }
}
