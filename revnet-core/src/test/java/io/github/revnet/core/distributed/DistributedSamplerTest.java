package io.github.revnet.core.distributed;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistributedSamplerTest {
    private static DistributedSampler[] ranks(int size, int perRank, int n, long seed) {
        return IntStream.range(0, n).mapToObj(r -> new DistributedSampler(size, perRank, n, r, seed)).toArray(DistributedSampler[]::new);
    }

    @Test
    void theRanksSharesAreDisjointOfEqualLengthAndTogetherAreTheSingleProcessBatch() {
        DistributedSampler single = new DistributedSampler(103, 12, 1, 0, 7);
        DistributedSampler[] three = ranks(103, 4, 3, 7);
        assertEquals(8, single.stepsPerEpoch(), "103 / 12, the short tail dropped");
        for (int step = 1; step <= 3 * single.stepsPerEpoch(); step++) {
            int[] together = new int[0];
            Set<Integer> seen = new HashSet<>();
            for (DistributedSampler rank : three) {
                int[] share = rank.indices(step);
                assertEquals(4, share.length);
                for (int i : share) {
                    assertTrue(seen.add(i), "step " + step + ": index " + i + " in two shares");
                    assertTrue(i >= 0 && i < 103);
                }
                together = IntStream.concat(Arrays.stream(together), Arrays.stream(share)).toArray();
            }
            assertArrayEquals(single.indices(step), together, "step " + step);
        }
    }

    @Test
    void everyEpochIsAFreshPermutationThatDependsOnTheSeedAndCoversEachExampleOnce() {
        DistributedSampler s = new DistributedSampler(40, 10, 1, 0, 1);
        int[] first = IntStream.rangeClosed(1, 4).flatMap(k -> Arrays.stream(s.indices(k))).toArray();
        int[] second = IntStream.rangeClosed(5, 8).flatMap(k -> Arrays.stream(s.indices(k))).toArray();
        assertArrayEquals(IntStream.range(0, 40).toArray(), Arrays.stream(first).sorted().toArray(), "an epoch takes each example once");
        assertFalse(Arrays.equals(first, second), "the next epoch is shuffled anew");
        assertFalse(Arrays.equals(s.indices(1), new DistributedSampler(40, 10, 1, 0, 2).indices(1)), "another seed, another order");
    }

    @Test
    void aStepsBatchDependsOnTheStepAloneSoAResumedRunNeedsNoReplay() {
        DistributedSampler walked = new DistributedSampler(50, 3, 2, 1, 9);
        for (int step = 1; step < 30; step++) {
            walked.indices(step);
        }
        assertArrayEquals(walked.indices(30), new DistributedSampler(50, 3, 2, 1, 9).indices(30));
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("a global batch of 12 (6 per rank × 2 ranks) is larger than the 10 training images",
                assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 6, 2, 0, 0)).getMessage());
        assertEquals("rank must be in [0, 2), got 2", assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 1, 2, 2, 0))
                .getMessage());
        assertEquals("steps are counted from 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new DistributedSampler(10, 1, 2, 0, 0).indices(0)).getMessage());
    }
}
