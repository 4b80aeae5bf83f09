package io.github.revnet.bridge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CudaDevicesTest {
    @Test
    void withoutAGpuTheFactsNameTheProblemAndTheCallersFallBackToTheCpu() {
        CudaDevices.Facts facts = CudaDevices.query();
        assumeFalse(facts.available(), "this machine has a GPU: " + facts.describe());
        assertNotNull(facts.problem());
        assertTrue(facts.problem().matches(".*(cudaError\\w+ \\(\\d+\\)|not found|not loadable).*"),
                "the problem is a CUDA error by name or the library that is missing: " + facts.problem());
        assertTrue(facts.devices().isEmpty());
        assertTrue(facts.describe().contains("computing on the CPU"), facts.describe());
        IllegalStateException e = assertThrows(IllegalStateException.class, CudaDevices::memoryInfo);
        assertTrue(e.getMessage().contains(facts.problem()), e.getMessage());
        IllegalStateException meter = assertThrows(IllegalStateException.class, () -> MemoryMeter.measureCuda(() -> { }));
        assertTrue(meter.getMessage().contains(facts.problem()), "the meter's CUDA path names why: " + meter.getMessage());
        assertFalse(Torch.cudaAvailable());
        assertEquals(facts.describe(), Environment.describeCuda(), "the facts are what --version and the report print");
        assertFalse(Environment.describe().contains("CUDA"), "the environment line every command prints leaves CUDA to --verbose: " + Environment.describe());
    }

    @Test
    void theRuntimeIsQueriedOnce() {
        assertSame(CudaDevices.query(), CudaDevices.query());
    }

    @Test
    void withAGpuEveryDeviceHasANameAndMemory() {
        CudaDevices.Facts facts = CudaDevices.query();
        assumeTrue(facts.available(), "no GPU here: " + facts.problem());
        for (CudaDevices.Device d : facts.devices()) {
            assertFalse(d.name().isBlank());
            assertTrue(d.totalBytes() > 0 && d.freeBytes() <= d.totalBytes(), d.toString());
        }
    }
}
