package io.github.revnet.bridge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasThreadsTest {
    @Test
    void openBlasRunsOneThreadWhateverLibTorchsIntraOpThreadsAre() {
        Torch.setThreads(2);
        assertEquals(1, Torch.blasThreads(), "OpenBLAS's pool would busy-wait beside LibTorch's intra-op threads");
        assertEquals(2, Torch.threads());
        assertTrue(Environment.describe().contains("(OpenBLAS 1)"), Environment.describe());
    }
}
