package io.github.revnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.core.data.FashionMnist;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train --compare --nproc 2} end to end: two worker JVMs, rank 0's JSON with both ranks' weight hashes, equal, nested
 * in the parity JSON beside the one-process stored run.
 */
class DataParallelTrainCommandTest {
    @Test
    void twoRanksTrainWithIdenticalWeightHashesBesideStoredInOneProcess(@TempDir Path dir) throws Exception {
        boolean installed = FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            assertTrue(installed, ".ci/run installs dataset-fashion-mnist");
        }
        Assumptions.assumeTrue(installed, "Debian's dataset-fashion-mnist is not installed");
        Path json = dir.resolve("dp.json");
        StringWriter err = new StringWriter();
        CommandLine cli = RevnetCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("train", "--compare", "--nproc", "2", "--model", "revnet-38", "--mode", "checkpoint", "--steps", "3",
                "--batch", "8", "--train-limit", "64", "--test-limit", "40", "--json", json.toString());
        assertEquals(0, code, err.toString());
        JsonNode parity = new ObjectMapper().readTree(Files.readString(json));
        assertEquals(2, parity.get("ranks").asInt());
        double stored = parity.get("stored").get("test_accuracy").asDouble();
        assertTrue(stored >= 0 && stored <= 1, "stored accuracy " + stored);
        JsonNode node = parity.get("data_parallel");
        assertEquals(100 * (node.get("test_accuracy").asDouble() - stored), parity.get("difference_points").asDouble(), 1e-9);
        assertEquals(2, node.get("ranks").asInt());
        assertEquals(4, node.get("batch_per_rank").asInt());
        assertEquals("checkpoint", node.get("mode").asText());
        assertEquals(2, node.get("weight_hashes").size());
        assertEquals(node.get("weight_hashes").get(0), node.get("weight_hashes").get(1));
        assertTrue(node.get("same_weights").asBoolean());
        double accuracy = node.get("test_accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
    }
}
