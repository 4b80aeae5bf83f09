package io.github.revnet.gate;

import io.github.revnet.core.reversible.StreamLayout;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * The input shapes a user's block accepts: images (N, C, H, W) split along channels, or token
 * streams (B, T, 2D) split along features. Channels (or stream widths) are listed, since a module
 * usually fixes them; batch and spatial or sequence sizes are ranges that the gate generates from
 * and shrinks towards their minimum.
 */
public final class ShapeSpace {
    private final StreamLayout layout;
    private final List<Integer> channels;
    private final int[] batch;
    private final int[] height;
    private final int[] width;
    private final int[] tokens;
    private final int minValuesPerChannel;

    private ShapeSpace(StreamLayout layout, List<Integer> channels, int[] batch, int[] height, int[] width, int[] tokens,
            int minValuesPerChannel) {
        this.layout = layout;
        this.channels = channels;
        this.batch = batch;
        this.height = height;
        this.width = width;
        this.tokens = tokens;
        this.minValuesPerChannel = minValuesPerChannel;
    }

    /**
     * Images with one of {@code channels} channels (each even: a block splits them into two halves),
     * batch 1–3 and 1–6 pixels a side; at least 2 values per channel (BatchNorm in training mode needs them).
     */
    public static ShapeSpace images(int... channels) {
        return new ShapeSpace(StreamLayout.CHANNELS, evenSizes("channels", channels), new int[] {1, 3}, new int[] {1, 6}, new int[] {1, 6},
                null, 2);
    }

    /** Token streams of total width 2D for each listed {@code widths} (each even), batch 1–3, sequence length 1–33. */
    public static ShapeSpace tokens(int... widths) {
        return new ShapeSpace(StreamLayout.TOKENS, evenSizes("token width", widths), new int[] {1, 3}, null, null, new int[] {1, 33}, 1);
    }

    private static List<Integer> evenSizes(String what, int[] sizes) {
        if (sizes == null || sizes.length == 0) {
            throw new IllegalArgumentException("at least one " + what + " value is required");
        }
        for (int c : sizes) {
            if (c < 2 || c % 2 != 0) {
                throw new IllegalArgumentException(what + " must be even and at least 2 (a block splits it into two halves), got " + c);
            }
        }
        return Arrays.stream(sizes).boxed().toList();
    }

    private static int[] range(String what, int min, int max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException(what + " range must satisfy 1 <= min <= max, got " + min + ".." + max);
        }
        return new int[] {min, max};
    }

    public ShapeSpace batch(int min, int max) {
        return new ShapeSpace(layout, channels, range("batch", min, max), height, width, tokens, minValuesPerChannel);
    }

    public ShapeSpace height(int min, int max) {
        requireImages("height");
        return new ShapeSpace(layout, channels, batch, range("height", min, max), width, tokens, minValuesPerChannel);
    }

    public ShapeSpace width(int min, int max) {
        requireImages("width");
        return new ShapeSpace(layout, channels, batch, height, range("width", min, max), tokens, minValuesPerChannel);
    }

    /** Sequence lengths (token shapes only). */
    public ShapeSpace sequence(int min, int max) {
        if (layout != StreamLayout.TOKENS) {
            throw new IllegalArgumentException("sequence length applies to token shapes, not images");
        }
        return new ShapeSpace(layout, channels, batch, height, width, range("sequence length", min, max), minValuesPerChannel);
    }

    /** Only shapes with at least {@code n} values per channel (batch × height × width, or batch × tokens). */
    public ShapeSpace minValuesPerChannel(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("minimum values per channel must be at least 1, got " + n);
        }
        return new ShapeSpace(layout, channels, batch, height, width, tokens, n);
    }

    private void requireImages(String what) {
        if (layout != StreamLayout.CHANNELS) {
            throw new IllegalArgumentException(what + " applies to image shapes, not token streams");
        }
    }

    /** Where the blocks split these shapes into halves. */
    public StreamLayout layout() {
        return layout;
    }

    /** The shapes, as (N, C, H, W) or (B, T, 2D). */
    public Arbitrary<long[]> arbitrary() {
        Arbitrary<Integer> c = Arbitraries.of(channels);
        Arbitrary<Integer> n = Arbitraries.integers().between(batch[0], batch[1]);
        Arbitrary<long[]> shapes = layout == StreamLayout.CHANNELS
                ? Combinators.combine(n, c, Arbitraries.integers().between(height[0], height[1]),
                        Arbitraries.integers().between(width[0], width[1])).as((b, ch, h, w) -> new long[] {b, ch, h, w})
                : Combinators.combine(n, Arbitraries.integers().between(tokens[0], tokens[1]), c).as((b, t, d) -> new long[] {b, t, d});
        return shapes.filter(s -> valuesPerChannel(s) >= minValuesPerChannel);
    }

    private long valuesPerChannel(long[] s) {
        return layout == StreamLayout.CHANNELS ? s[0] * s[2] * s[3] : s[0] * s[1];
    }
}
