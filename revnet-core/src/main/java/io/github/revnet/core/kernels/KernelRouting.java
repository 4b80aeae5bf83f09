package io.github.revnet.core.kernels;

import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Where every convolution of the harness's layers is routed, decided on this CPU by the {@link KernelAudit}: the first
 * route, in the order below, whose kernel the audit finds right for that exact configuration (shape, dtype, layout,
 * threads). A configuration is audited once per process, when a layer first meets it; after that a routed convolution
 * costs a map lookup.
 *
 * <p>Why this order and not a blanket rule. On an AVX-512 CPU without AMX (AMD EPYC family 26) LibTorch 2.10's oneDNN
 * computes float32 3x3 convolutions over 24 and 56 channels on contiguous tensors 29-44 % wrong or NaN (its
 * {@code jit:avx512_core} kernel on the padded blocked layout {@code aBcd16b}), while the same convolutions channels-last
 * and every other channel count are right; on a family-25 EPYC every configuration the zoo uses is right on both layouts.
 * Capping oneDNN's ISA at AVX2 makes that CPU right too, but slowed every convolution, wrong or not: stack-16's stored
 * step 1.3 times, revnet-110's 1.5 times. So each configuration keeps the layout it was given (a model's layout is its
 * own measured choice, see {@code Model}); only where the audit finds that layout's kernel wrong does it move to the other
 * layout, and only where both are wrong to LibTorch's reference kernel (5 times slower at 64 channels, but right). Where
 * none is right the convolution raises {@link KernelDefect}, naming LibTorch's kernel.
 *
 * <p>Float64 is not routed: it runs on LibTorch's own kernels, which are the audit's reference. Routing is deterministic
 * for a CPU, a LibTorch build and a thread count, so two runs (and two ranks) on one machine compute the same.
 */
public final class KernelRouting {
    private record Key(Object kernel, KernelDType dtype, Layout given, int threads) {
    }

    /**
     * One configuration's routing: the audits it took (the given layout's first), the convolution route chosen (null for
     * a matrix product, which has one route), and whether a right one was found.
     */
    public record Decision(String kernel, KernelDType dtype, Layout given, int threads, List<KernelVerdict> audits, ConvRoute route,
            boolean right) {
        public Decision {
            audits = List.copyOf(audits);
        }

        /** Whether the kernel runs as it was given: on the kernel its layout reaches, right. */
        public boolean asGiven() {
            return right && (given == null || route == ConvRoute.of(given));
        }

        /** What runs: the chosen route's description, or "none right". */
        public String chosen() {
            return !right ? "none right" : route != null ? route.description() : audits.get(0).route();
        }

        /** The defect that made this decision move off the given layout (or refuse), in words; null when it did not. */
        public String defect() {
            if (asGiven()) {
                return null;
            }
            KernelVerdict first = audits.get(0);
            return "LibTorch's " + kernel + " in " + dtype + " is wrong on this CPU on " + first.route() + " (audit: " + first.findings() + ")";
        }
    }

    private static final Map<Key, Decision> DECISIONS = new ConcurrentHashMap<>();
    private static final List<Decision> ORDER = new ArrayList<>();

    private KernelRouting() {
    }

    /**
     * The convolution of {@code input} with {@code weight} (no bias), on the route the audit chose for its configuration.
     * Float64, GPU tensors and types that are not audited go straight to LibTorch.
     */
    public static Tensor convolution(Tensor input, Tensor weight, int stride, int padding, int groups) {
        return convolution(input, weight, null, stride, padding, groups);
    }

    /** As {@link #convolution(Tensor, Tensor, int, int, int)}, plus {@code bias} (null: none), fused as LibTorch fuses it. */
    public static Tensor convolution(Tensor input, Tensor weight, Tensor bias, int stride, int padding, int groups) {
        KernelDType dtype = effectiveDType(input);
        if (dtype == null || input.is_cuda() || input.dim() != 4) {
            return torch.conv2d(input, weight, bias == null ? new TensorOptional() : new TensorOptional(bias), new long[] {stride, stride},
                    new long[] {padding, padding}, new long[] {1, 1}, groups);
        }
        Decision d = decide(ConvShape.of(input, weight, stride, padding, groups), dtype, Layout.of(input, weight));
        if (!d.right()) {
            throw new KernelDefect(refusal(d));
        }
        return ConvKernels.run(input, weight, bias, stride, padding, groups, d.route());
    }

    /** The decision for one configuration, auditing it on first sight. */
    public static Decision decide(ConvShape shape, KernelDType dtype, Layout given) {
        return decide(new Key(shape, dtype, given, Torch.threads()), k -> {
            List<KernelVerdict> audits = new ArrayList<>();
            for (ConvRoute route : candidates(given)) {
                KernelVerdict v = KernelAudit.convolution(shape, dtype, route); // not run where KnownDefects says unsafe
                audits.add(v);
                if (v.pass()) {
                    return new Decision(shape.describe(), dtype, given, k.threads(), audits, route, true);
                }
            }
            return new Decision(shape.describe(), dtype, given, k.threads(), audits, null, false);
        });
    }

    /**
     * Requires LibTorch's matrix product of a linear layer over {@code input} with {@code weight} ({@code [out, in]}) to
     * be right on this CPU, auditing its configuration on first sight; it has no other route, so a wrong one raises
     * {@link KernelDefect}. Float64 and GPU tensors are not audited.
     */
    public static void requireLinear(Tensor input, Tensor weight) {
        KernelDType dtype = effectiveDType(input);
        if (dtype == null || input.is_cuda()) {
            return;
        }
        requireLinear(input.numel() / weight.size(1), weight.size(1), weight.size(0), dtype);
    }

    static void requireLinear(long rows, long in, long out, KernelDType dtype) {
        String kernel = KernelAudit.describeLinear(rows, in, out);
        Decision d = decide(new Key(kernel, dtype, null, Torch.threads()), k -> {
            KernelVerdict v = KernelAudit.linear(rows, in, out, dtype);
            return new Decision(kernel, dtype, null, k.threads(), List.of(v), null, v.pass());
        });
        if (!d.right()) {
            throw new KernelDefect(refusal(d));
        }
    }

    /**
     * Requires LibTorch's training-mode batch normalisation of {@code input} ({@code [N, C, H, W]}) to be right on this
     * CPU ({@link NormalisationAudit}), auditing its configuration on first sight; a wrong one raises {@link KernelDefect}.
     */
    public static void requireBatchNorm(Tensor input) {
        KernelDType dtype = KernelDType.of(input.scalar_type());
        if (dtype == null || input.is_cuda() || input.dim() != 4) {
            return;
        }
        long[] shape = io.github.revnet.bridge.Shapes.of(input);
        requireAudited(NormalisationAudit.describe(shape), dtype, () -> NormalisationAudit.batchNorm(shape, dtype));
    }

    /**
     * Requires LibTorch's scaled-dot-product attention over {@code q} ({@code [B, heads, T, d]}) to be right on this CPU
     * ({@link AttentionAudit}); a wrong one raises {@link KernelDefect}.
     */
    public static void requireAttention(Tensor q, boolean causal) {
        KernelDType dtype = KernelDType.of(q.scalar_type());
        if (dtype == null || q.is_cuda() || q.dim() != 4) {
            return;
        }
        long[] shape = io.github.revnet.bridge.Shapes.of(q);
        requireAudited(AttentionAudit.describe(shape, causal), dtype, () -> AttentionAudit.attention(shape, causal, dtype));
    }

    private static void requireAudited(String kernel, KernelDType dtype, java.util.function.Supplier<KernelVerdict> audit) {
        Decision d = decide(new Key(kernel, dtype, null, Torch.threads()), k -> {
            KernelVerdict v = audit.get();
            return new Decision(kernel, dtype, null, k.threads(), List.of(v), null, v.pass());
        });
        if (!d.right()) {
            throw new KernelDefect(refusal(d));
        }
    }

    private static Decision decide(Key key, java.util.function.Function<Key, Decision> audit) {
        Decision known = DECISIONS.get(key);
        if (known != null) {
            return known;
        }
        synchronized (KernelRouting.class) {
            return DECISIONS.computeIfAbsent(key, k -> {
                Decision d = audit.apply(k);
                ORDER.add(d);
                return d;
            });
        }
    }

    /** The given layout, then the other, then the reference kernel. */
    static List<ConvRoute> candidates(Layout given) {
        return List.of(ConvRoute.of(given), ConvRoute.of(given.other()), ConvRoute.REFERENCE);
    }

    /** The dtype a convolution of {@code input} computes in: autocast's where it is on for float32, else the input's. */
    static KernelDType effectiveDType(Tensor input) {
        KernelDType own = KernelDType.of(input.scalar_type());
        if (own == KernelDType.FLOAT32) {
            Autocast autocast = Autocast.current();
            if (autocast.enabled()) {
                return KernelDType.of(autocast.dtype());
            }
        }
        return own;
    }

    /** Every decision made in this process, in the order the configurations were first met. */
    public static synchronized List<Decision> decisions() {
        return List.copyOf(ORDER);
    }

    /** The decisions that moved a convolution off the layout it was given. */
    public static List<Decision> rerouted() {
        return decisions().stream().filter(d -> !d.asGiven()).toList();
    }

    /** Forgets every decision: the next convolution of each configuration is audited again. */
    public static synchronized void forget() {
        DECISIONS.clear();
        ORDER.clear();
        ScriptedRouting.forget();
        epoch++;
    }

    private static volatile long epoch;

    /**
     * How many times the kernels under every decision may have changed (each {@link #forget}: oneDNN switched off or on,
     * a fault planted). Two passes meant to agree bit for bit must run in one epoch: a script right on neither oneDNN
     * layout switches oneDNN off when first met, in the middle of a pass, and the convolutions after it run on other kernels.
     */
    public static long epoch() {
        return epoch;
    }

    static String refusal(Decision d) {
        StringBuilder s = new StringBuilder("LibTorch's ").append(d.kernel()).append(" in ").append(d.dtype())
                .append(" is wrong on this CPU on every route the harness has (LibTorch ").append(io.github.revnet.bridge.Environment.libtorchVersion())
                .append("'s defect, not the model's):");
        for (KernelVerdict v : d.audits()) {
            s.append(' ').append(v.route()).append(": ").append(v.findings()).append(';');
        }
        s.setLength(s.length() - 1);
        return s.append(". See docs/kernels.md").toString();
    }
}
