package io.github.revnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check --f/--g and fuzz on the committed Python-exported fixtures, and one line with exit code 2 for each bad input. */
class ScriptedBlockCommandTest {
    static final String FIXTURES = Path.of("..", "examples", "torchscript").toString();

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static String fixture(String name) {
        return Path.of(FIXTURES, name).toString();
    }

    @Test
    void checkPassesOnThePythonExportedBlockInEveryCheck() {
        CliRun o = run("check", "--f", fixture("preact-f.pt"), "--g", fixture("gated-g.pt"), "--shape", "2,8,5,5", "--threads", "1");
        assertEquals(0, o.code(), o.out() + o.err());
        for (String check : new String[] {"inverse", "reversible gradients", "checkpoint gradients", "gradient angle", "running statistics",
                "finite differences"}) {
            assertTrue(o.out().lines().anyMatch(l -> l.contains(check) && l.contains("PASS")), check + " missing in\n" + o.out());
        }
    }

    @Test
    void fuzzRunsEveryPropertyOnThePythonExportedBlock() {
        CliRun o = run("fuzz", "--f", fixture("preact-f.pt"), "--g", fixture("gated-g.pt"), "--shape", "2,8,4,4", "--tries", "4",
                "--threads", "1");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("PASS: 7 properties, 0 failed"), o.out());
    }

    @Test
    void fuzzStrengthPrintsTheDetectionRatePerFaultOnThePythonExportedBlock() throws Exception {
        Path json = dir.resolve("strength.json");
        CliRun o = run("fuzz", "--f", fixture("preact-f.pt"), "--g", fixture("gated-g.pt"), "--shape", "2,8,4,4", "--strength",
                "--tries", "4", "--threads", "1", "--json", json.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("| scaled-gradient | float64 | reversible |"), o.out());
        JsonNode detection = new ObjectMapper().readTree(json.toFile()).get("detection");
        int decided = 0;
        for (JsonNode row : detection) {
            decided += row.get("caught").asInt() + row.get("missed").asInt();
            // One planted fault cannot exist in a TorchScript block: its dropout, if any, draws outside the stack's stream.
            if (row.get("fault").asText().equals("SCALED_GRADIENT")) {
                assertEquals(row.get("caught").asInt() + row.get("missed").asInt() + row.get("no_effect").asInt()
                        + row.get("ill_conditioned").asInt(), row.get("cases").asInt(), row.toString());
                assertEquals(0, row.get("missed").asInt(), "a gradient off by 1e-3 (float32) or 1e-8 (float64) went unnoticed: " + row);
            }
        }
        assertTrue(decided > 0, "no planted fault was decided: " + detection);
    }

    /** A scripted 1x1 convolution after tanh over {@code channels} channels, defined and saved from Java. */
    private Path javaScript(String name, int channels) {
        io.github.revnet.bridge.Torch.seed(17);
        try (io.github.revnet.bridge.NativeScope scope = io.github.revnet.bridge.NativeScope.open()) {
            org.bytedeco.pytorch.JitModule m = new org.bytedeco.pytorch.JitModule(new org.bytedeco.pytorch.QualifiedName(name));
            m.register_parameter("weight", org.bytedeco.pytorch.global.torch.randn(channels, channels, 1, 1).requires_grad_(true), false);
            m.define("def forward(self, x):\n    return torch.conv2d(torch.tanh(x), self.weight)\n");
            Path file = dir.resolve(name + ".pt");
            m.save(file.toString());
            return file;
        }
    }

    @Test
    void checkAndFuzzPassOnBlocksScriptedFromJava() {
        String f = javaScript("F", 3).toString();
        String g = javaScript("G", 3).toString();
        CliRun check = run("check", "--f", f, "--g", g, "--shape", "2,6,4,4", "--blocks", "3", "--threads", "1");
        assertEquals(0, check.code(), check.out() + check.err());
        assertTrue(check.out().contains("PASS in"), check.out());
        CliRun fuzz = run("fuzz", "--f", f, "--g", g, "--shape", "3,6,4,4", "--tries", "4", "--threads", "1");
        assertEquals(0, fuzz.code(), fuzz.out() + fuzz.err());
        assertTrue(fuzz.out().contains("PASS: 7 properties, 0 failed"), fuzz.out());
    }

    /** As {@link #javaScript}, with a buffer that every forward call increments: recomputation updates it a second time. */
    private Path javaScriptCountingCalls(String name, int channels) {
        io.github.revnet.bridge.Torch.seed(19);
        try (io.github.revnet.bridge.NativeScope scope = io.github.revnet.bridge.NativeScope.open()) {
            org.bytedeco.pytorch.JitModule m = new org.bytedeco.pytorch.JitModule(new org.bytedeco.pytorch.QualifiedName(name));
            m.register_parameter("weight", org.bytedeco.pytorch.global.torch.randn(channels, channels, 1, 1).requires_grad_(true), false);
            m.register_buffer("calls", org.bytedeco.pytorch.global.torch.zeros(1));
            m.define("def forward(self, x):\n    self.calls.add_(1.0)\n    return torch.conv2d(torch.tanh(x), self.weight)\n");
            Path file = dir.resolve(name + ".pt");
            m.save(file.toString());
            return file;
        }
    }

    @Test
    void checkAndFuzzWriteTheirVerdictsAsJsonThatAScriptCanRead() throws Exception {
        Path checkJson = dir.resolve("check.json");
        CliRun check = run("check", "--f", fixture("preact-f.pt"), "--g", fixture("gated-g.pt"), "--shape", "2,8,5,5", "--seed", "7",
                "--threads", "1", "--json", checkJson.toString());
        assertEquals(0, check.code(), check.out() + check.err());
        JsonNode c = new ObjectMapper().readTree(checkJson.toFile());
        assertTrue(c.get("pass").asBoolean(), c.toString());
        assertEquals(7, c.get("seed").asLong());
        assertEquals("float64", c.get("dtype").asText());
        assertEquals("[2,8,5,5]", c.get("shape").toString());
        assertTrue(c.get("case").asText().contains("2"), c.toString());
        assertTrue(c.get("max_relative_grad_error").isNumber() && c.get("inverse_max_abs_error").isNumber(), c.toString());
        for (String zooField : new String[] {"model", "batch", "image_size", "dropout", "coupling", "tolerance", "input_relative_grad_error",
                "grad_angle_degrees", "running_stats_max_abs_diff", "parameters", "libtorch"}) {
            assertTrue(c.has(zooField), zooField + " missing: " + c);
        }
        assertEquals(6, c.get("checks").size(), c.toString());
        c.get("checks").forEach(each -> assertTrue(each.get("pass").asBoolean(), each.toString()));

        Path fuzzJson = dir.resolve("fuzz.json");
        CliRun fuzz = run("fuzz", "--f", javaScript("F", 3).toString(), "--g", javaScript("G", 3).toString(), "--shape", "3,6,4,4",
                "--tries", "3", "--threads", "1", "--json", fuzzJson.toString());
        assertEquals(0, fuzz.code(), fuzz.out() + fuzz.err());
        JsonNode z = new ObjectMapper().readTree(fuzzJson.toFile());
        assertTrue(z.get("pass").asBoolean(), z.toString());
        assertEquals(7, z.get("properties").asInt());
        assertEquals(7, z.get("outcomes").size());
        for (JsonNode o : z.get("outcomes")) {
            assertTrue(o.get("passed").asBoolean(), o.toString());
            assertTrue(o.get("checks").asLong() >= 1, o.toString());
            assertTrue(o.hasNonNull("seed"), o.toString());
        }
        assertTrue(z.get("summary").size() > 0, z.toString());
    }

    @Test
    void aFailingBlockGivesAFailingVerdictWithTheCheckAndTheShrunkCase() throws Exception {
        String f = javaScriptCountingCalls("F", 3).toString();
        String g = javaScript("G", 3).toString();
        Path checkJson = dir.resolve("check.json");
        CliRun check = run("check", "--f", f, "--g", g, "--shape", "2,6,4,4", "--threads", "1", "--json", checkJson.toString());
        assertEquals(1, check.code(), check.out() + check.err());
        JsonNode c = new ObjectMapper().readTree(checkJson.toFile());
        assertFalse(c.get("pass").asBoolean(), c.toString());
        List<String> failed = new ArrayList<>();
        c.get("checks").forEach(each -> {
            if (!each.get("pass").asBoolean()) {
                failed.add(each.get("check").asText());
                assertFalse(each.get("message").asText().isBlank(), each.toString());
            }
        });
        assertTrue(failed.contains("running statistics"), c.toString());

        Path fuzzJson = dir.resolve("fuzz.json");
        CliRun fuzz = run("fuzz", "--f", f, "--g", g, "--shape", "3,6,4,4", "--tries", "3", "--threads", "1", "--json", fuzzJson.toString());
        assertEquals(1, fuzz.code(), fuzz.out() + fuzz.err());
        JsonNode z = new ObjectMapper().readTree(fuzzJson.toFile());
        assertFalse(z.get("pass").asBoolean(), z.toString());
        JsonNode statistics = null;
        for (JsonNode o : z.get("outcomes")) {
            if (o.get("property").asText().equals("runningStatisticsAfterOneStepAreTheSameInBothModes")) {
                statistics = o;
            }
        }
        assertNotNull(statistics, z.toString());
        assertFalse(statistics.get("passed").asBoolean(), statistics.toString());
        assertTrue(statistics.hasNonNull("seed") && statistics.get("sample").size() >= 1, statistics.toString());
        assertTrue(z.get("failed").asInt() >= 1, z.toString());
    }

    @Test
    void aJsonFileThatCannotBeWrittenIsRefusedBeforeAnyWork() {
        String f = fixture("preact-f.pt");
        String g = fixture("gated-g.pt");
        for (String command : new String[] {"check", "fuzz"}) {
            CliRun o = run(command, "--f", f, "--g", g, "--shape", "2,8,4,4", "--json", "/nonexistent/verdict.json");
            assertEquals(2, o.code(), o.err());
            assertTrue(o.err().contains("--json /nonexistent/verdict.json"), o.err());
            assertFalse(o.out().contains("checking") || o.out().contains("fuzzing"), "work started: " + o.out());
        }
    }

    @Test
    void everyBadInputIsOneLineAndExitCode2() throws Exception {
        Path text = Files.writeString(dir.resolve("text.pt"), "not a zip archive");
        String g = fixture("gated-g.pt");
        String[][] cases = {
            {"does not exist", "--f", fixture("missing.pt"), "--g", g, "--shape", "2,8,5,5"},
            {"could not be loaded", "--f", text.toString(), "--g", g, "--shape", "2,8,5,5"},
            {"F must keep its input's shape", "--f", fixture("widening.pt"), "--g", g, "--shape", "2,8,5,5"},
            {"keeps state it changes between calls", "--f", fixture("stateful.pt"), "--g", g, "--shape", "2,8,5,5"},
            {"has no parameters that require a gradient", "--f", fixture("parameterless.pt"), "--g", g, "--shape", "2,8,5,5"},
            {"missing: --shape", "--f", fixture("preact-f.pt"), "--g", g},
            {"comma-separated positive integers", "--f", fixture("preact-f.pt"), "--g", g, "--shape", "2,x,5,5"},
            {"rank 4 (N,C,H,W) or 3", "--f", fixture("preact-f.pt"), "--g", g, "--shape", "2,8"},
            {"either --model or --f", "--model", "revnet-38", "--f", fixture("preact-f.pt"), "--g", g, "--shape", "2,8,5,5"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length];
            args[0] = "check";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            CliRun o = run(args);
            assertEquals(2, o.code(), String.join(" ", args) + "\n" + o.err());
            assertTrue(o.err().contains(c[0]), "expected '" + c[0] + "' in: " + o.err());
            assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
        }
        CliRun bench = run("bench", "--f", fixture("preact-f.pt"), "--g", g, "--shape", "2,8,5,6", "--out", dir.resolve("r").toString());
        assertEquals(2, bench.code(), bench.err());
        assertTrue(bench.err().contains("H = W"), bench.err());
        CliRun benchNoisy = run("bench", "--f", fixture("stateful.pt"), "--g", g, "--shape", "2,8,5,5", "--out", dir.resolve("r").toString());
        assertEquals(2, benchNoisy.code(), benchNoisy.err());
        assertTrue(benchNoisy.err().contains("is not deterministic"), benchNoisy.err());
        CliRun fuzz = run("fuzz", "--f", fixture("stateful.pt"), "--g", g, "--shape", "2,8,5,5", "--tries", "3");
        assertEquals(2, fuzz.code(), fuzz.err());
        assertTrue(fuzz.err().contains("is not deterministic"), fuzz.err());
    }
}
