package io.github.revnet.gate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.revnet.bridge.ReferenceKernels;
import io.github.revnet.core.DType;
import io.github.revnet.core.Layer;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.layers.FunctionOptions;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * A stored pass that does not repeat is blamed on what makes it so: LibTorch's kernels when it repeats with oneDNN off,
 * the block when it does not. A kernel that reads memory it never wrote looks, from the gate, like an unreplayed random op.
 */
class NotReproducibleDiagnosisTest {
    private static final ConvCase CASE = new ConvCase(2, 8, 4, 4, 3, FunctionOptions.Kind.PLAIN, 2, DType.FLOAT32, false, 0.0,
            InputLayout.CONTIGUOUS, true);

    /** F's output perturbed by noise from a generator nobody replays: always, or only while oneDNN is on (a kernel's defect). */
    static final class Jitter extends Layer {
        private final Layer inner;
        private final boolean onlyWithOneDnn;
        private final Generator noise = torch.make_generator_cpu(5);

        Jitter(Layer inner, boolean onlyWithOneDnn) {
            this.inner = add("inner", inner);
            this.onlyWithOneDnn = onlyWithOneDnn;
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor y = inner.forward(input);
            if (onlyWithOneDnn && !ReferenceKernels.oneDnnEnabled()) {
                return y;
            }
            Tensor n = torch.randn(y.sizes().vec().get(), new GeneratorOptional(noise), new TensorOptions(y.scalar_type()));
            return y.mul(n.mul(new Scalar(1e-2)).add(new Scalar(1.0)));
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    private static String refusal(boolean onlyWithOneDnn) {
        try (Harness h = new Harness(CASE, 3, () -> CASE.buildWithF(f -> new Jitter(f, onlyWithOneDnn)))) {
            return assertThrows(GateChecks.NotReproducible.class, () -> GateChecks.reproducibleStoredPass(h, 3)).getMessage();
        }
    }

    @Test
    void aPassThatRepeatsWithOneDnnOffIsBlamedOnLibTorchsKernels() {
        String message = refusal(true);
        assertTrue(message.contains("a LibTorch kernel on this CPU is not reproducible") && message.contains("not of the block"), message);
    }

    @Test
    void aPassThatDoesNotRepeatEvenWithOneDnnOffIsBlamedOnTheBlock() {
        String message = refusal(false);
        assertTrue(message.contains("a function draws random numbers that the stack's stream does not replay"), message);
        assertTrue(!message.contains("LibTorch kernel"), message);
    }

    /** F computing differently until it first ran, which changes the kernels under it: a script that switches oneDNN off. */
    static final class SwitchesKernelsWhenFirstMet extends Layer {
        private final Layer inner;
        private boolean met;

        SwitchesKernelsWhenFirstMet(Layer inner) {
            this.inner = add("inner", inner);
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor y = inner.forward(input);
            if (!met) {
                met = true;
                KernelRouting.forget();
                return y.mul(new Scalar(1.01));
            }
            return y;
        }

        @Override
        public long[] outputShape(long[] inputShape) {
            return inner.outputShape(inputShape);
        }
    }

    @Test
    void aFirstPassThatChangesTheKernelsIsNotComparedWithTheNext() {
        try (Harness h = new Harness(CASE, 3, () -> CASE.buildWithF(SwitchesKernelsWhenFirstMet::new))) {
            GateChecks.reproducibleStoredPass(h, 3);
        }
    }

    @Test
    void anIntactCaseRepeats() {
        try (Harness h = new Harness(CASE, 3)) {
            GateChecks.reproducibleStoredPass(h, 3);
        }
    }
}
