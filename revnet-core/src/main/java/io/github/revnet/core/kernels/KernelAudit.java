package io.github.revnet.core.kernels;

import io.github.revnet.bridge.Autocast;
import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Shapes;
import io.github.revnet.bridge.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The harness's benchdnn: one kernel configuration run forward and backward on a production route, against LibTorch's
 * float64 kernels on the same values, element by element within {@link RoundingBound}.
 *
 * <p>How one audit runs. Inputs, weights and the output gradient are random, rounded to the kernel's type, and widened
 * back for the reference, so both sides compute on identical values. The batch is the configuration's own (kernels are
 * chosen by shape), but only its first two samples are independent: the rest repeat them, and the output gradient is
 * zero there, so the float64 reference needs two samples while every sample of the production output and input gradient
 * is still compared (a repeated sample against its original; a zero gradient must come out exactly zero). Before each
 * production run, freed memory is filled with NaN: a kernel that reads memory it never wrote (the padding of a blocked
 * layout) then shows it instead of reading the zeros of fresh pages. The production side runs twice and must agree
 * bit for bit, since a reversible backward recomputes each function and needs the same result.
 *
 * <p>It draws from its own generator, never the default one or a stack's stream, runs with autocast off and records a
 * graph of its own, so it can run from inside a model's forward (where {@link KernelRouting} first meets a
 * configuration) without changing what the model computes.
 */
public final class KernelAudit {
    /** Independent samples of an audit's batch: the float64 reference computes these only. */
    static final int SAMPLES = 2;

    private KernelAudit() {
    }

    /**
     * Audits the convolution {@code shape} in {@code dtype} on {@code route}; a route known to corrupt the process
     * ({@link KnownDefects}) is not run, whoever asks, and its verdict says why.
     */
    public static KernelVerdict convolution(ConvShape shape, KernelDType dtype, ConvRoute route) {
        String unsafe = KnownDefects.unsafe(shape, route);
        if (unsafe != null) {
            return KernelVerdict.notRun(shape.describe(), dtype, route.description(), unsafe);
        }
        return isolated(() -> {
            Generator generator = torch.make_generator_cpu(seedOf(shape));
            long samples = Math.min(SAMPLES, shape.batch());
            long[] inShape = shape.inputShape();
            long[] sampleShape = inShape.clone();
            sampleShape[0] = samples;
            Tensor xSamples = rounded(torch.randn(sampleShape, new GeneratorOptional(generator), f64()), dtype);
            Tensor x = repeatToBatch(xSamples, shape.batch());
            double fanIn = shape.forwardTerms();
            Tensor w = rounded(torch.randn(shape.weightShape(), new GeneratorOptional(generator), f64()).mul(new Scalar(1 / Math.sqrt(fanIn))), dtype);
            long[] outSampleShape = shape.outputShape();
            outSampleShape[0] = samples;
            Tensor dySamples = rounded(torch.randn(outSampleShape, new GeneratorOptional(generator), f64()), dtype);
            Tensor dy = padBatch(dySamples, shape.batch());

            // float64 on the reference kernel, and the same sums over absolute values: Σ|a_k b_k| per element
            Tensor[] exact = reference(xSamples, w, dySamples, shape, false);
            Tensor[] absolute = reference(xSamples.abs(), w.abs(), dySamples.abs(), shape, true);

            Tensor[] first = production(x, w, dy, shape, dtype, route);
            Tensor[] second = production(x, w, dy, shape, dtype, route);
            boolean deterministic = true;
            for (int i = 0; i < first.length; i++) {
                deterministic &= torch.equal(first[i], second[i]);
            }
            long b = shape.batch();
            List<KernelVerdict.Output> outputs = new ArrayList<>();
            outputs.add(compare("forward", first[0], repeatToBatch(exact[0], b), repeatToBatch(absolute[0], b),
                    RoundingBound.ofSum(shape.forwardTerms(), dtype)));
            outputs.add(compare("input gradient", first[1], padBatch(exact[1], b), padBatch(absolute[1], b),
                    RoundingBound.ofSum(shape.inputGradientTerms(), dtype)));
            outputs.add(compare("weight gradient", first[2], exact[2], absolute[2],
                    RoundingBound.ofSum(shape.weightGradientTerms(samples), dtype)));
            outputs.add(compare("forward without graph", first[3], repeatToBatch(exact[0], b), repeatToBatch(absolute[0], b),
                    RoundingBound.ofSum(shape.forwardTerms(), dtype)));
            return new KernelVerdict(shape.describe(), dtype, route.description(), outputs, deterministic);
        });
    }

    /**
     * Audits the matrix product {@code [rows, in] x [in, out]^T} (a linear layer) in {@code dtype} on LibTorch's default
     * kernel, forward and both gradients.
     */
    public static KernelVerdict linear(long rows, long in, long out, KernelDType dtype) {
        return isolated(() -> {
            Generator generator = torch.make_generator_cpu(31 * rows + 17 * in + out);
            Tensor x = rounded(torch.randn(new long[] {rows, in}, new GeneratorOptional(generator), f64()), dtype);
            Tensor w = rounded(torch.randn(new long[] {out, in}, new GeneratorOptional(generator), f64()).mul(new Scalar(1 / Math.sqrt(in))), dtype);
            Tensor dy = rounded(torch.randn(new long[] {rows, out}, new GeneratorOptional(generator), f64()), dtype);
            Tensor[] exact = linearPass(x, w, dy, null, false);
            Tensor[] absolute = linearPass(x.abs(), w.abs(), dy.abs(), null, false);
            Tensor[] first = linearPass(x, w, dy, dtype, true);
            Tensor[] second = linearPass(x, w, dy, dtype, true);
            boolean deterministic = true;
            for (int i = 0; i < first.length; i++) {
                deterministic &= torch.equal(first[i], second[i]);
            }
            List<KernelVerdict.Output> outputs = List.of(
                    compare("forward", first[0], exact[0], absolute[0], RoundingBound.ofSum(in, dtype)),
                    compare("input gradient", first[1], exact[1], absolute[1], RoundingBound.ofSum(out, dtype)),
                    compare("weight gradient", first[2], exact[2], absolute[2], RoundingBound.ofSum(rows, dtype)));
            return new KernelVerdict(describeLinear(rows, in, out), dtype, "LibTorch's default kernel", outputs, deterministic);
        });
    }

    public static String describeLinear(long rows, long in, long out) {
        return "linear " + in + "->" + out + ", " + rows + " rows";
    }

    /** Runs an audit in a scope of its own, recording a graph, with autocast off. */
    private static <T> T isolated(Supplier<T> audit) {
        Torch.ensureLoaded();
        try (NativeScope scope = NativeScope.open()) {
            return Autocast.OFF.enter(() -> Grad.on(audit));
        }
    }

    private static Tensor[] linearPass(Tensor x, Tensor w, Tensor dy, KernelDType dtype, boolean poison) {
        torch.ScalarType type = dtype == null ? torch.ScalarType.Double : dtype.scalarType();
        if (poison) {
            poisonFreedMemory(x.numel() + w.numel() + dy.numel());
        }
        Tensor xi = x.detach().to(type).requires_grad_(true);
        Tensor wi = w.detach().to(type).requires_grad_(true);
        Tensor y = torch.linear(xi, wi, new TensorOptional());
        if (poison) {
            poisonFreedMemory(x.numel() + w.numel() + dy.numel());
        }
        y.backward(dy.to(type), new BoolOptional(), false, new TensorArrayRefOptional());
        return new Tensor[] {y.detach(), xi.grad(), wi.grad()};
    }

    /** Forward, input gradient and weight gradient in float64 on LibTorch's reference kernel, over the audit's samples. */
    private static Tensor[] reference(Tensor x, Tensor w, Tensor dy, ConvShape shape, boolean absolute) {
        Tensor xi = x.detach().requires_grad_(true);
        Tensor wi = w.detach().requires_grad_(true);
        Tensor y = torch.conv2d(xi, wi, new TensorOptional(), new long[] {shape.stride(), shape.stride()},
                new long[] {shape.padding(), shape.padding()}, new long[] {1, 1}, shape.groups());
        y.backward(dy, new BoolOptional(), false, new TensorArrayRefOptional());
        return new Tensor[] {y.detach(), xi.grad(), wi.grad()};
    }

    private static Tensor[] production(Tensor x, Tensor w, Tensor dy, ConvShape shape, KernelDType dtype, ConvRoute route) {
        long working = x.numel() + w.numel() + 2 * dy.numel();
        poisonFreedMemory(working);
        Tensor xi = x.to(dtype.scalarType()).requires_grad_(true);
        Tensor wi = w.to(dtype.scalarType()).requires_grad_(true);
        Tensor y = ConvKernels.run(xi, wi, shape.stride(), shape.padding(), shape.groups(), route);
        Tensor dyi = dy.to(dtype.scalarType());
        if (route.layout() != null) {
            dyi = dyi.contiguous(route.layout().format());
        }
        poisonFreedMemory(working);
        y.backward(dyi, new BoolOptional(), false, new TensorArrayRefOptional());
        // Without a graph oneDNN runs its inference kernel (forward_inference), a kernel of its own: evaluation runs it.
        poisonFreedMemory(working);
        Tensor inference = Grad.off(() -> ConvKernels.run(x.to(dtype.scalarType()), w.to(dtype.scalarType()), shape.stride(), shape.padding(),
                shape.groups(), route));
        return new Tensor[] {y.detach().contiguous(), xi.grad().contiguous(), wi.grad().contiguous(), inference.contiguous()};
    }

    /**
     * Leaves freed memory full of NaN: tensors of several sizes around the kernel's working set are filled and released,
     * so the allocator hands their blocks to the kernel's buffers next. A kernel that reads memory it did not write then
     * produces NaN; on fresh pages it would read zeros and look right.
     */
    static void poisonFreedMemory(long workingElements) {
        long budget = Math.min(Math.max(4 * workingElements, 1 << 16), 1L << 26);
        try (NativeScope scope = NativeScope.open()) {
            for (long size = budget; size >= 1 << 10; size /= 4) {
                torch.full(new long[] {size}, new Scalar(Float.NaN), new TensorOptions(torch.ScalarType.Float));
            }
        }
    }

    /** The worst element's |production − exact| / Σ|terms|, over the bound. */
    private static KernelVerdict.Output compare(String name, Tensor production, Tensor exact, Tensor absolute, double bound) {
        Tensor p = production.to(torch.ScalarType.Double);
        boolean finite = torch.isfinite(p).all().item_bool();
        double worst = finite ? p.sub(exact).abs().div(absolute.clamp_min(new Scalar(Double.MIN_NORMAL))).max().item_double() : Double.NaN;
        return new KernelVerdict.Output(name, finite ? worst / bound : Double.NaN, worst, bound, finite);
    }

    /**
     * The worst element's |production − exact| over its own bound {@code bound} (a tensor of the output's shape, from a
     * rounding analysis of the kernel's stages); the error and bound are reported relative to the output's largest value.
     */
    static KernelVerdict.Output compareWithin(String name, Tensor production, Tensor exact, Tensor bound) {
        Tensor p = production.to(torch.ScalarType.Double);
        boolean finite = torch.isfinite(p).all().item_bool();
        double scale = Math.max(exact.abs().max().item_double(), Double.MIN_NORMAL);
        if (!finite) {
            return new KernelVerdict.Output(name, Double.NaN, Double.NaN, bound.max().item_double() / scale, false);
        }
        Tensor error = p.sub(exact).abs();
        double ratio = error.div(bound.clamp_min(new Scalar(Double.MIN_NORMAL))).max().item_double();
        return new KernelVerdict.Output(name, ratio, error.max().item_double() / scale, bound.max().item_double() / scale, true);
    }

    static Generator generator(long seed) {
        return torch.make_generator_cpu(seed);
    }

    static Tensor gaussian(long[] shape, Generator generator, KernelDType dtype) {
        return rounded(torch.randn(shape, new GeneratorOptional(generator), f64()), dtype);
    }

    static <T> T run(Supplier<T> audit) {
        return isolated(audit);
    }

    private static TensorOptions f64() {
        return new TensorOptions(torch.ScalarType.Double);
    }

    static Tensor rounded(Tensor t, KernelDType dtype) {
        return t.to(dtype.scalarType()).to(torch.ScalarType.Double);
    }

    /** The samples repeated along the batch until it has {@code batch} entries. */
    private static Tensor repeatToBatch(Tensor samples, long batch) {
        long n = samples.size(0);
        if (n == batch) {
            return samples;
        }
        TensorVector parts = new TensorVector();
        for (long filled = 0; filled < batch; filled += n) {
            parts.push_back(samples.narrow(0, 0, Math.min(n, batch - filled)));
        }
        return torch.cat(parts, 0);
    }

    /** The samples followed by zeros up to {@code batch} entries. */
    private static Tensor padBatch(Tensor samples, long batch) {
        long n = samples.size(0);
        if (n == batch) {
            return samples;
        }
        long[] rest = Shapes.of(samples);
        rest[0] = batch - n;
        return torch.cat(new TensorVector(samples, torch.zeros(rest, new TensorOptions(samples.scalar_type()))), 0);
    }

    private static long seedOf(ConvShape s) {
        return s.hashCode() & 0x7fffffffL;
    }
}
