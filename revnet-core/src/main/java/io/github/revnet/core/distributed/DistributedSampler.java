package io.github.revnet.core.distributed;

import java.util.Arrays;
import java.util.Random;

/**
 * Which training examples each rank takes at each step, as {@code torch.utils.data.DistributedSampler} with
 * {@code drop_last=True} decides them: every epoch is a fresh permutation seeded by (seed, epoch), identical on every
 * rank; step k of an epoch takes the k-th global batch of it, and rank r its r-th contiguous share. The shares are
 * disjoint and of equal length, and the ranks together take exactly the global batch a single process would take, so
 * one process and N ranks see the same data per step. An epoch's tail shorter than a global batch is dropped.
 *
 * <p>The batch of a step is a function of the step alone: a resumed run needs no replay of the data order.
 */
public final class DistributedSampler {
    private final int size;
    private final int perRank;
    private final int ranks;
    private final int rank;
    private final long seed;
    private int epoch = -1;
    private int[] permutation;

    /** {@code size} examples, {@code perRank} of them per rank and step, for rank {@code rank} of {@code ranks}. */
    public DistributedSampler(int size, int perRank, int ranks, int rank, long seed) {
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("rank must be in [0, " + ranks + "), got " + rank);
        }
        if (perRank < 1) {
            throw new IllegalArgumentException("batch per rank must be >= 1, got " + perRank);
        }
        if ((long) perRank * ranks > size) {
            throw new IllegalArgumentException("a global batch of " + perRank * ranks + " (" + perRank + " per rank × " + ranks
                    + " ranks) is larger than the " + size + " training images");
        }
        this.size = size;
        this.perRank = perRank;
        this.ranks = ranks;
        this.rank = rank;
        this.seed = seed;
    }

    /** Global batches per epoch. */
    public int stepsPerEpoch() {
        return size / (perRank * ranks);
    }

    /** This rank's example indices at {@code step} (counted from 1). */
    public int[] indices(int step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps are counted from 1, got " + step);
        }
        int e = (step - 1) / stepsPerEpoch();
        int position = (step - 1) % stepsPerEpoch();
        if (e != epoch) {
            permutation = permutation(e);
            epoch = e;
        }
        int from = position * perRank * ranks + rank * perRank;
        return Arrays.copyOfRange(permutation, from, from + perRank);
    }

    /** The epoch's permutation, from a generator seeded by (seed, epoch) alone. */
    private int[] permutation(int e) {
        return shuffled(size, new Random(seed * 1_000_003L + e));
    }

    /** 0 … size − 1 in the order a Fisher–Yates shuffle drawing from {@code random} gives. */
    public static int[] shuffled(int size, Random random) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
