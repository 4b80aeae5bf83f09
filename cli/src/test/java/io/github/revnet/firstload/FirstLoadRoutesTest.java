package io.github.revnet.firstload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.revnet.bridge.FirstLoadAgent;
import io.github.revnet.firstload.FirstLoadProbe.Route;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A new user's first run, one fresh JVM per route into LibTorch: an empty JavaCPP cache beside a
 * system LibTorch (Debian's python3-torch, which .ci/run installs). Loading used to resolve
 * libtorch.so's dependency on libtorch_cpu.so to the system's 1.13 copy and abort the JVM. Each
 * route must load only the bundled files; the two negative controls show that the same JVMs abort
 * without the first-load guard, so these tests can fail.
 */
class FirstLoadRoutesTest {
    /** Set by .ci/run: the crash's precondition must hold there, so nothing below may skip. */
    private static final boolean REQUIRE_SYSTEM_LIBTORCH = "1".equals(System.getenv("REVNET_REQUIRE_SYSTEM_LIBTORCH"));

    private static boolean systemLibTorch;

    @TempDir
    Path dir;

    @BeforeAll
    static void lookForTheSystemLibTorch() throws IOException, InterruptedException {
        systemLibTorch = systemLibTorchVisible();
        System.out.println("system LibTorch visible to the dynamic linker: " + systemLibTorch);
        if (REQUIRE_SYSTEM_LIBTORCH) {
            assertTrue(systemLibTorch, "REVNET_REQUIRE_SYSTEM_LIBTORCH=1 but no libtorch_cpu.so is in the linker's cache:"
                    + " install python3-torch (as .ci/run does)");
        }
    }

    static Stream<Arguments> routes() {
        return Stream.of(
                Arguments.of("a program whose first statement is a preset call, with -javaagent:native-bridge.jar", true,
                        List.of(Route.PRESETS.name())),
                Arguments.of("the harness's scope", false, List.of(Route.SCOPE.name())),
                Arguments.of("the harness's random stream", false, List.of(Route.RANDOM_STREAM.name())),
                Arguments.of("a JUnit test class whose initialiser is a preset call", false,
                        List.of(Route.JUNIT.name(), PresetsFirstFixture.class.getName())),
                Arguments.of("a gate container (jqwik) whose initialiser is a preset call", false,
                        List.of(Route.JUNIT.name(), PresetsFirstContainer.class.getName())),
                Arguments.of("the command line", false, List.of(Route.CLI.name(), "--version")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aFreshJvmWithAnEmptyCacheLoadsOnlyTheBundledLibTorch(String route, boolean agent, List<String> args) throws Exception {
        Outcome o = runFresh(agent, args);
        assertEquals(0, o.exit(), "the probe JVM failed (a native crash exits 134):\n" + o.output());
        assertTrue(o.mapped().stream().anyMatch(f -> f.endsWith("/libtorch_cpu.so")), "libtorch_cpu.so not mapped:\n" + o.output());
        for (String file : o.mapped()) {
            assertTrue(file.startsWith(o.cache().toRealPath().toString()) || file.startsWith(o.cache().toString()),
                    "a LibTorch library outside the fresh cache was loaded: " + file + "\n" + o.output());
        }
        assertFalse(o.output().contains("1.13"), o.output());
    }

    @Test
    void withoutTheAgentAProgramWhoseFirstStatementIsAPresetCallAborts() throws Exception {
        assumeTrue(systemLibTorch, "needs a system LibTorch (python3-torch) for the crash to be possible");
        Outcome o = runFresh(false, List.of(Route.PRESETS.name()));
        assertNotEquals(0, o.exit(), "expected the unguarded first load to abort beside the system LibTorch:\n" + o.output());
    }

    @Test
    void withoutTheSessionListenerATestClassWhoseInitialiserIsAPresetCallAborts() throws Exception {
        assumeTrue(systemLibTorch, "needs a system LibTorch (python3-torch) for the crash to be possible");
        Outcome o = runFresh(false, List.of(Route.JUNIT_WITHOUT_LISTENER.name(), PresetsFirstFixture.class.getName()));
        assertNotEquals(0, o.exit(), "expected the unguarded first load to abort beside the system LibTorch:\n" + o.output());
        assertFalse(o.output().contains("tests succeeded=1"), o.output());
    }

    private record Outcome(int exit, String output, List<String> mapped, Path cache) {
    }

    private Outcome runFresh(boolean agent, List<String> args) throws IOException, InterruptedException, URISyntaxException {
        Path cache = Files.createDirectory(dir.resolve("javacpp-cache"));
        Path log = dir.resolve("probe.log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        if (agent) {
            command.add("-javaagent:" + agentJar());
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), FirstLoadProbe.class.getName()));
        command.addAll(args);
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!probe.waitFor(5, TimeUnit.MINUTES)) {
            probe.destroyForcibly();
            throw new AssertionError("the probe JVM did not finish in 5 minutes: " + command);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        List<String> mapped = output.lines().filter(l -> l.startsWith("mapped=")).map(l -> l.substring(7)).toList();
        return new Outcome(probe.exitValue(), output, mapped, cache);
    }

    /**
     * native-bridge's jar, whose manifest names the agent, when the build packaged it (mvn verify, .ci/run); from a classes
     * folder (an IDE, mvn test), a jar of just that manifest entry, the agent class itself coming from the class path.
     */
    private Path agentJar() throws IOException, URISyntaxException {
        Path location = Path.of(FirstLoadAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (location.toString().endsWith(".jar")) {
            return location;
        }
        assertFalse(REQUIRE_SYSTEM_LIBTORCH, "under .ci/run the agent must come from native-bridge's packaged jar, found " + location);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", FirstLoadAgent.class.getName());
        Path jar = dir.resolve("agent.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            return jar;
        }
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
