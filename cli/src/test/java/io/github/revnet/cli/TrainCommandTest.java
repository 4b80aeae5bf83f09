package io.github.revnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad training and report arguments are refused with exit code 2 and a message, before any data is read or model built. */
class TrainCommandTest {
    private static String refused(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = RevnetCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertEquals(2, cli.execute(args), err.toString());
        return err.toString();
    }

    @Test
    void badTrainingArgumentsNameTheValue() {
        assertTrue(refused("train", "--dataset", "cifar-10").contains("unknown dataset 'cifar-10'"));
        assertTrue(refused("train", "--resume").contains("--resume needs --checkpoint"));
        assertTrue(refused("train", "--steps", "0").contains("steps must be >= 1, got 0"));
        assertTrue(refused("train", "--batch", "1").contains("batch must be >= 2"));
        assertTrue(refused("train", "--mode", "sideways").contains("sideways"));
        assertTrue(refused("train", "--lr", "-0.1").contains("learning rate must be a positive finite number, got -0.1"));
        assertTrue(refused("train", "--schedule", "linear").contains("unknown learning-rate schedule 'linear'"));
        assertTrue(refused("train", "--checkpoint", "x", "--checkpoint-every", "0").contains("checkpoint interval must be >= 1 step, got 0"));
        assertTrue(refused("train", "--data", "/nonexistent").contains("Fashion-MNIST not found in /nonexistent"));
    }

    @Test
    void badDataParallelArgumentsAreRefusedBeforeAnyWorkerStarts() {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.github.revnet.core.data.FashionMnist.isInstalled(
                io.github.revnet.core.data.FashionMnist.DEBIAN_DIR), "the data check comes first");
        assertTrue(refused("train", "--nproc", "0").contains("--nproc must be >= 1, got 0"));
        assertTrue(refused("train", "--nproc", "3", "--batch", "128").contains("--batch 128 (the global batch) does not split evenly over --nproc 3"));
        assertTrue(refused("train", "--nproc", "2", "--compare", "--checkpoint", "x").contains("--compare with --nproc does not take --checkpoint"));
        assertTrue(refused("train", "--nproc", "2", "--timeout", "0").contains("--timeout must be >= 1 second, got 0"));
        assertTrue(refused("train", "--plan", "reversible,stored,checkpoint").contains("--plan trains data-parallel: add --nproc N"));
        assertTrue(refused("train", "--nproc", "2", "--compare", "--plan", "reversible,stored,checkpoint")
                .contains("--plan trains one run in the hybrid mode"));
        assertTrue(refused("train", "--nproc", "2", "--plan", "reversible,sideways,stored").contains("sideways"));
        assertTrue(refused("train", "--nproc", "2", "--plan", "reversible,stored").contains("gives 2 mode(s), but revnet-38 has 3"));
    }

    @Test
    void badDistributedBenchArgumentsNameTheValue() {
        assertTrue(refused("bench", "--distributed", "--nproc", "1").contains("--nproc must be >= 2 to compare with one process, got 1"));
        assertTrue(refused("bench", "--distributed", "--quick").contains("leave out --quick"));
        assertTrue(refused("bench", "--distributed", "--steps", "2").contains("--steps 2 leaves no timed step after 2 warm-up steps"));
        assertTrue(refused("bench", "--distributed", "--batch", "7").contains("--batch 7 does not split evenly over --nproc 2"));
        assertTrue(refused("bench", "--distributed", "--model", "revnet-39").contains("unknown model 'revnet-39'"));
        assertTrue(refused("bench", "--distributed", "--nproc", "4", "--threads", "6")
                .contains("--threads 6 does not split evenly over --nproc 4: give a multiple of 4, or leave --threads out"));
    }

    @Test
    void theDefaultThreadsServeAnyRankCountEvenPastTheCores() {
        // By default the cores are shared out, one thread a rank at least: more ranks than cores is a layout, not an error.
        DistributedScaling four = new DistributedScaling("revnet-38", 64, 12, 2, 1, java.util.List.of(), 4, 0, 2);
        assertTrue(four.oversubscribed(), "4 ranks on 2 cores share them");
        DistributedScaling two = new DistributedScaling("revnet-38", 64, 12, 2, 1, java.util.List.of(), 2, 0, 2);
        assertTrue(!two.oversubscribed(), "2 ranks on 2 cores take one each");
        DistributedScaling given = new DistributedScaling("revnet-38", 64, 12, 2, 1, java.util.List.of(), 4, 8, 2);
        assertTrue(!given.oversubscribed(), "--threads 8 over 4 ranks: 2 each, as given");
    }

    @Test
    void badReportArgumentsNameTheValue() {
        assertTrue(refused("report", "--training-steps", "-1").contains("got -1"));
        assertTrue(refused("report", "--training-json", "/nonexistent.json").contains("/nonexistent.json is not a file"));
    }
}
