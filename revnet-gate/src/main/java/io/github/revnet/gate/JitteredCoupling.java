package io.github.revnet.gate;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.core.Coupling;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A coupling whose reconstruction errs by a known amount: {@code uncombine} adds σ·z, z standard
 * normal from a private generator (never the stack's random stream, whose replay it must not
 * disturb). Forward is the wrapped coupling's, exactly. For the gate's sensitivity estimate.
 */
final class JitteredCoupling implements Coupling {
    private final Coupling inner;
    private double sigma;
    private Generator generator;

    JitteredCoupling(Coupling inner) {
        this.inner = inner;
    }

    /** From now on every reconstruction errs by σ·z, z drawn from a generator seeded with {@code seed}; σ = 0 turns it off. */
    void set(double sigma, long seed) {
        this.sigma = sigma;
        this.generator = sigma == 0 ? null : torch.make_generator_cpu(seed);
    }

    @Override
    public Tensor combine(Tensor x, Tensor h) {
        return inner.combine(x, h);
    }

    @Override
    public Tensor uncombine(Tensor y, Tensor h) {
        Tensor x = inner.uncombine(y, h);
        if (sigma == 0) {
            return x;
        }
        return NativeScope.call(() -> x.add(torch.randn(io.github.revnet.bridge.Shapes.of(x), new GeneratorOptional(generator),
                new TensorOptions(x.scalar_type())).mul(new Scalar(sigma))));
    }

    @Override
    public Tensor gradientThroughCombine(Tensor dy, Tensor h) {
        return inner.gradientThroughCombine(dy, h);
    }

    @Override
    public int functionChannels(int halfChannels) {
        return inner.functionChannels(halfChannels);
    }

    @Override
    public double inverseConditioning() {
        return inner.inverseConditioning();
    }

    @Override
    public String label() {
        return inner.label();
    }
}
