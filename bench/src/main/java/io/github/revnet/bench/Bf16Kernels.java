package io.github.revnet.bench;

import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One question: on this CPU, is a single kernel of a model faster under bfloat16 autocast than in float32? Times the
 * forward and backward of each matrix product of a RevViT block (revvit-dD-t64 at batch 32: 2048 token rows, width 64,
 * 4 heads, MLP ratio 2), a 3×3 convolution of RevNet-164's first stage for contrast, and the casts autocast adds, float32
 * and bfloat16 alternating in paired rounds; prints each kernel's median times and the paired bf16/fp32 ratio with its
 * 95 % interval. Run: {@code java -cp cli/target/revnet-cli.jar io.github.revnet.bench.Bf16Kernels [ROUNDS] [THREADS]}.
 */
public final class Bf16Kernels {
    private Bf16Kernels() {
    }

    /** A kernel: a forward and backward from fresh leaf inputs. */
    private record Kernel(String name, Supplier<Tensor[]> inputs, java.util.function.Function<Tensor[], Tensor> forward) {
    }

    private static Tensor leaf(long... shape) {
        Tensor t = torch.randn(shape);
        t.requires_grad_(true);
        return t;
    }

    private static Kernel linear(int rows, int in, int out) {
        return new Kernel(String.format("linear [%d, %d] x [%d, %d]^T", rows, in, out, in), () -> new Tensor[] {leaf(rows, in), leaf(out, in)},
                t -> torch.matmul(t[0], t[1].t()));
    }

    private static List<Kernel> kernels() {
        List<Kernel> out = new ArrayList<>();
        out.add(linear(2048, 64, 192));
        out.add(linear(2048, 64, 64));
        out.add(linear(2048, 64, 128));
        out.add(linear(2048, 128, 64));
        out.add(new Kernel("attention scores [128, 64, 16] x [128, 16, 64]", () -> new Tensor[] {leaf(128, 64, 16), leaf(128, 16, 64)},
                t -> torch.matmul(t[0], t[1])));
        out.add(new Kernel("scaled_dot_product_attention [32, 4, 64, 16]", () -> new Tensor[] {leaf(32, 4, 64, 16), leaf(32, 4, 64, 16),
                leaf(32, 4, 64, 16)}, t -> torch.scaled_dot_product_attention(t[0], t[1], t[2], new org.bytedeco.pytorch.TensorOptional(), 0.0,
                        false, new org.bytedeco.pytorch.DoubleOptional(), false)));
        out.add(new Kernel("layer_norm [2048, 64]", () -> new Tensor[] {leaf(2048, 64), leaf(64), leaf(64)},
                t -> torch.layer_norm(t[0], new long[] {64}, new org.bytedeco.pytorch.TensorOptional(t[1]),
                        new org.bytedeco.pytorch.TensorOptional(t[2]), 1e-5, false)));
        out.add(new Kernel("gelu [2048, 128]", () -> new Tensor[] {leaf(2048, 128)}, t -> torch.gelu(t[0])));
        var attention = new io.github.revnet.core.layers.SelfAttention(io.github.revnet.core.layers.TransformerOptions.of(64));
        out.add(new Kernel("F: SelfAttention, width 64, on [32, 64, 64]", () -> new Tensor[] {leaf(32, 64, 64)}, t -> attention.forward(t[0])));
        var mlp = new io.github.revnet.core.layers.FeedForward(io.github.revnet.core.layers.TransformerOptions.of(64));
        out.add(new Kernel("G: FeedForward, width 64, on [32, 64, 64]", () -> new Tensor[] {leaf(32, 64, 64)}, t -> mlp.forward(t[0])));
        out.add(new Kernel("conv 3x3 [32, 32, 32, 32] -> 32", () -> new Tensor[] {leaf(32, 32, 32, 32), leaf(32, 32, 3, 3)},
                t -> torch.conv2d(t[0], t[1], new org.bytedeco.pytorch.TensorOptional(), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1)));
        out.add(new Kernel("cast [2048, 64] to bfloat16 and back", () -> new Tensor[] {leaf(2048, 64)},
                t -> t[0].to(torch.ScalarType.BFloat16).to(torch.ScalarType.Float)));
        return out;
    }

    private static double timeOnce(Kernel k, Autocast state, int reps) {
        try (NativeScope scope = NativeScope.open()) {
            Tensor[] in = k.inputs().get();
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                try (NativeScope step = NativeScope.open()) {
                    Tensor y = state.enter((Supplier<Tensor>) () -> k.forward().apply(in));
                    y.to(torch.ScalarType.Float).sum().backward();
                }
            }
            return (System.nanoTime() - start) / 1e6 / reps;
        }
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        if (rounds < 6) {
            throw new IllegalArgumentException("rounds must be >= 6 for a 95 % interval of the median, got " + rounds);
        }
        Torch.setThreads(args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors());
        Torch.seed(1);
        System.out.printf("%-48s %12s %12s   %s%n", "kernel (forward + backward)", "fp32 ms", "bf16 ms", "bf16 / fp32 (paired) [95%]");
        for (Kernel k : kernels()) {
            int reps = Math.max(1, (int) Math.round(20 / Math.max(0.05, timeOnce(k, Autocast.OFF, 3))));
            timeOnce(k, Autocast.BFLOAT16, reps);
            double[] fp32 = new double[rounds];
            double[] bf16 = new double[rounds];
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                boolean bf16First = r % 2 == 1;
                if (bf16First) {
                    bf16[r] = timeOnce(k, Autocast.BFLOAT16, reps);
                }
                fp32[r] = timeOnce(k, Autocast.OFF, reps);
                if (!bf16First) {
                    bf16[r] = timeOnce(k, Autocast.BFLOAT16, reps);
                }
                ratio[r] = bf16[r] / fp32[r];
            }
            MedianInterval ri = MedianInterval.of(ratio, 0.95);
            System.out.printf("%-48s %12.3f %12.3f   %.3f [%.3f, %.3f]%n", k.name(), MedianInterval.median(fp32), MedianInterval.median(bf16), ri.median(), ri.low(), ri.high());
        }
    }
}
