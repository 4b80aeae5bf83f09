package io.github.revnet.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The first run of a new user: an empty JavaCPP cache, possibly beside a system LibTorch
 * (Debian's python3-torch), in a JVM of its own. Loading used to resolve libtorch.so's
 * dependency on libtorch_cpu.so to the system's 1.13 copy and crash the JVM.
 */
class FirstRunLoadingTest {
    /** Set by .ci/run, which installs Debian's python3-torch so the crash's precondition holds in CI. */
    private static final boolean REQUIRE_SYSTEM_LIBTORCH = "1".equals(System.getenv("REVNET_REQUIRE_SYSTEM_LIBTORCH"));

    @ParameterizedTest(name = "first native call through {0}")
    @ValueSource(strings = {"scope", "random-stream"})
    void aFreshJvmWithAnEmptyCacheLoadsOnlyTheBundledLibTorch(String entry, @TempDir Path cache) throws Exception {
        boolean systemLibTorch = systemLibTorchVisible();
        System.out.println("system LibTorch visible to the dynamic linker: " + systemLibTorch);
        if (REQUIRE_SYSTEM_LIBTORCH) {
            assertTrue(systemLibTorch, "REVNET_REQUIRE_SYSTEM_LIBTORCH=1 but no libtorch_cpu.so is in the linker's cache:"
                    + " install python3-torch (as .ci/run does)");
        }
        Path log = cache.resolve("probe.log");
        Path cacheDir = Files.createDirectory(cache.resolve("javacpp"));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process probe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dorg.bytedeco.javacpp.cachedir=" + cacheDir, "-Dorg.bytedeco.javacpp.maxBytes=0",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-XX:ErrorFile=" + cache.resolve("hs_err_%p.log"), FirstRunProbe.class.getName(), entry)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(probe.waitFor(5, TimeUnit.MINUTES), "the probe JVM did not finish in 5 minutes");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, probe.exitValue(), "the probe JVM failed (a native crash exits 134):\n" + output);
        assertTrue(output.contains("sum=3.0"), output);
        List<String> mapped = new ArrayList<>(output.lines().filter(l -> l.startsWith("mapped=")).map(l -> l.substring(7)).toList());
        assertTrue(mapped.stream().anyMatch(f -> f.endsWith("/libtorch_cpu.so")), "libtorch_cpu.so not mapped: " + mapped);
        for (String file : mapped) {
            assertTrue(file.startsWith(cacheDir.toRealPath().toString()) || file.startsWith(cacheDir.toString()),
                    "a LibTorch library outside the fresh cache was loaded: " + file + " (all: " + mapped + ")");
        }
        assertFalse(output.contains("1.13"), output);
    }

    private static boolean systemLibTorchVisible() throws IOException, InterruptedException {
        Process ldconfig;
        try {
            ldconfig = new ProcessBuilder("ldconfig", "-p").redirectErrorStream(true).start();
        } catch (IOException e) {
            ldconfig = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
        }
        String table = new String(ldconfig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ldconfig.waitFor();
        return table.lines().anyMatch(l -> l.trim().startsWith("libtorch_cpu.so "));
    }
}
