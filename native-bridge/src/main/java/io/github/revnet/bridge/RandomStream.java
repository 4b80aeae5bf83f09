package io.github.revnet.bridge;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A private LibTorch CPU generator for the random ops of one model part (a reversible stack).
 *
 * <p>Why: replaying dropout masks means capturing a generator's state before a function runs and
 * restoring it before the recomputation. Done on LibTorch's default CPU generator, which every
 * thread shares, another thread's draws between capture and restore change the masks, and each
 * restore rewinds the other thread's stream: two threads comparing gradients at once disagreed by
 * a relative 2.18. A stream is used by one unit of work at a time, so its state is the unit's alone.
 *
 * <p>Random ops draw from the thread's innermost {@link #activate active} stream, or from the
 * default generator when none is active.
 */
public final class RandomStream {
    private static final ThreadLocal<Deque<RandomStream>> ACTIVE = ThreadLocal.withInitial(ArrayDeque::new);

    private final Generator generator;

    private RandomStream(Generator generator) {
        this.generator = generator;
    }

    /** A stream in the state that {@code seed} gives. */
    public static RandomStream seeded(long seed) {
        Torch.ensureLoaded();
        return new RandomStream(torch.make_generator_cpu(seed));
    }

    /**
     * A stream seeded with a number drawn from LibTorch's default generator: reproducible after
     * {@link Torch#seed}, like the weight initialisation it is created beside.
     */
    public static RandomStream forkedFromDefault() {
        Torch.ensureLoaded();
        long seed;
        try (NativeScope scope = NativeScope.open()) {
            seed = torch.randint(Long.MAX_VALUE, new long[] {1}, new TensorOptions(torch.ScalarType.Long)).item_long();
        }
        return seeded(seed);
    }

    /** Puts the stream into the state that {@code seed} gives. */
    public void reseed(long seed) {
        generator.set_current_seed(seed);
    }

    /** A snapshot of this stream's state, to {@link RngState#restore} before a recomputation. */
    public RngState capture() {
        return RngState.capture(generator);
    }

    /**
     * A snapshot of this stream's state, or {@code last} itself when the stream has not moved since
     * {@code last} was taken. Functions without random ops draw nothing, so a stack of them keeps
     * one snapshot instead of two per block: a CPU generator's state is 5 KB, which at 64 blocks
     * (640 KB) was a tenth of a RevViT's whole reversible activation memory and grew with depth.
     */
    public RngState captureUnlessUnchanged(RngState last) {
        return RngState.captureUnlessUnchanged(generator, last);
    }

    /** Runs {@code work} with this stream as the thread's source for random ops, restoring the previous one after. */
    public <T> T activate(Supplier<T> work) {
        Deque<RandomStream> active = ACTIVE.get();
        active.push(this);
        try {
            return work.get();
        } finally {
            active.pop();
        }
    }

    /** One lender of the default generator at a time: it is process-wide, and two streams lent to it at once would mix. */
    private static final Object DEFAULT_GENERATOR = new Object();

    /**
     * Runs {@code work} with LibTorch's default CPU generator in this stream's state, then takes the state it reached back
     * into this stream and puts the default generator back where it was. Code that cannot be handed a generator (random
     * ops inside a TorchScript module draw from the default one) then draws from this stream: replayed when the stream
     * is, as {@code torch.utils.checkpoint} replays by saving and restoring the default generator's state. Work that draws
     * nothing leaves this stream unchanged. Lenders exclude each other across threads, so two threads' draws do not mix.
     */
    public <T> T lentToDefault(Supplier<T> work) {
        synchronized (DEFAULT_GENERATOR) {
            Generator fallback = torch.getDefaultCPUGenerator();
            RngState saved = RngState.capture(fallback);
            try {
                try (NativeScope scope = NativeScope.open()) {
                    fallback.set_state(generator.get_state());
                }
                return work.get();
            } finally {
                try (NativeScope scope = NativeScope.open()) {
                    generator.set_state(fallback.get_state());
                }
                saved.restore();
                saved.close();
            }
        }
    }

    /** The thread's innermost active stream, or null when random ops use the default generator. */
    public static RandomStream active() {
        return ACTIVE.get().peek();
    }

    /**
     * A boolean tensor shaped like {@code like} whose elements are true with probability
     * {@code keep}, drawn from the active stream (or the default generator when none is active).
     */
    public static Tensor bernoulliMask(Tensor like, double keep) {
        if (!(keep >= 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep probability must be in [0, 1], got " + keep);
        }
        RandomStream stream = active();
        try (NativeScope scope = NativeScope.open()) {
            Tensor mask = torch.empty(Shapes.of(like), new TensorOptions(torch.ScalarType.Bool), new org.bytedeco.pytorch.MemoryFormatOptional());
            GeneratorOptional source = stream == null ? new GeneratorOptional() : new GeneratorOptional(stream.generator);
            return scope.keep(mask.bernoulli_(keep, source));
        }
    }
}
