package io.github.revnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every output path is checked before any work, and every error is one line with exit code 2 (stack trace only with --verbose). */
class OutputPathTest {
    @TempDir
    Path dir;

    /** Runs the command line, returning exit code, standard output and standard error. */
    private static String[] run(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            var cli = RevnetCli.commandLine();
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(previous);
        }
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString()};
    }

    private static void assertRefusedBeforeWork(String[] result, String... fragments) {
        assertEquals("2", result[0], "exit code; stderr: " + result[2]);
        assertEquals(1, result[2].strip().lines().count(), "one line on stderr, got: " + result[2]);
        for (String fragment : fragments) {
            assertTrue(result[2].contains(fragment), "stderr should name " + fragment + ": " + result[2]);
        }
        assertFalse(result[2].contains("\tat "), "no stack trace: " + result[2]);
        assertFalse(result[1].contains("LibTorch"), "no work may start before the output is checked, but stdout shows: " + result[1]);
    }

    @Test
    void checkRefusesAJsonFileInAMissingFolderBeforeComputing() {
        assertRefusedBeforeWork(run("check", "--model", "revnet-38", "--json", "/nonexistent/x.json"), "--json", "/nonexistent");
    }

    @Test
    void benchRefusesAnOutputFolderThatCannotBeCreated() {
        assertRefusedBeforeWork(run("bench", "--quick", "--out", "/proc/x"), "--out", "/proc/x");
    }

    @Test
    void reportRefusesAnOutputPathThatIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertRefusedBeforeWork(run("report", "--quick", "--out", file.toString()), "--out", "not a folder");
    }

    @Test
    void trainRefusesAnUnwritableCheckpointFolderAndJsonFile() {
        if (!io.github.revnet.core.data.FashionMnist.isInstalled(io.github.revnet.core.data.FashionMnist.DEBIAN_DIR)) {
            // Without the data set, train stops earlier, at the data check: still one line, exit 2.
            assertRefusedBeforeWork(run("train", "--checkpoint", "/proc/x"), "Fashion-MNIST");
            return;
        }
        assertRefusedBeforeWork(run("train", "--checkpoint", "/proc/x"), "--checkpoint", "/proc/x");
        assertRefusedBeforeWork(run("train", "--json", dir.toString()), "--json", "is a folder");
    }

    @Test
    void verboseAddsTheStackTrace() {
        String[] result = run("check", "--verbose", "--model", "revnet-38", "--json", "/nonexistent/x.json");
        assertEquals("2", result[0]);
        assertTrue(result[2].contains("\tat "), "--verbose should print the stack trace: " + result[2]);
    }

    @Test
    void checkRefusesADropoutOutsideTheUnitInterval() {
        assertRefusedBeforeWork(run("check", "--model", "revnet-38", "--dropout", "1.5"), "--dropout", "1.5");
    }

    @Test
    void optionsThatDoNotParseAreOneLineToo() {
        assertRefusedBeforeWork(run("check", "--model", "revnet-38", "--batch", "two"), "--batch", "two", "help check");
        assertRefusedBeforeWork(run("bench", "--no-such-option"), "--no-such-option");
    }
}
