package io.github.revnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.revnet.bridge.Torch;
import io.github.revnet.core.NumericalFailure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Exit 2 means bad input and nothing else; a numerical failure or a bug exits 3. */
class ExitCodeTest {
    /** A command that fails the way it is told to, to reach the real exception handler. */
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Parameters
        String how;

        @Override
        public Integer call() {
            switch (how) {
                case "numerical" -> throw new NumericalFailure("the affine coupling's inverse is not finite");
                case "state" -> throw new IllegalStateException("a NativeScope must be closed on the thread that opened it");
                case "input" -> throw new IllegalArgumentException("--batch must be >= 1, got 0");
                case "peer" -> throw new io.github.revnet.core.distributed.PeerFailure("rank 0 of 2: an allreduce did not complete, so"
                        + " another rank died or stalls: Timed out waiting 20000ms", new RuntimeException("gloo"));
                default -> {
                    return 0;
                }
            }
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = RevnetCli.commandLine();
        cli.addSubcommand(new Fail());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return new Run(cli.execute(args), out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    @Test
    void aNumericalFailureExitsThreeAndSaysSo() {
        Run r = run("fail", "numerical");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().startsWith("revnet: numerical failure: the affine coupling's inverse is not finite"), r.err());
    }

    @Test
    void anIllegalStateIsAnInternalErrorNotBadInput() {
        Run r = run("fail", "state");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("internal error (IllegalStateException)"), r.err());
    }

    @Test
    void aPeerThatDiedOrStallsIsTheJobsFaultNotAnInternalError() {
        Run r = run("fail", "peer");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().startsWith("revnet: distributed job failed: rank 0 of 2: an allreduce did not complete"), r.err());
    }

    @Test
    void badInputExitsTwoWithTheMessageAlone() {
        Run r = run("fail", "input");
        assertEquals(2, r.code(), r.err());
        assertEquals("revnet: --batch must be >= 1, got 0", r.err().strip());
    }

    @Test
    void anUnknownDeviceIsBadInput() {
        Run r = run("check", "--model", "revnet-38", "--device", "gpu");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown device 'gpu': use cpu or cuda"), r.err());
    }

    @Test
    void cudaIsRefusedWithTheReasonWhereTheBuildOrMachineHasNone() {
        assumeFalse(Torch.cudaAvailable(), "this machine computes on CUDA");
        Run r = run("check", "--model", "revnet-38", "--device", "cuda");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("device cuda is not available here") && r.err().contains("use --device cpu"), r.err());
        Run train = run("train", "--device", "cuda");
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains("device cuda is not available here"), train.err());
    }

    @Test
    void theCudaFactsLineAppearsWithVerboseAndInVersionOnly() {
        Run plain = run("check", "--model", "no-such-model");
        assertEquals(2, plain.code(), plain.err());
        assertFalse(plain.out().contains("CUDA runtime") || plain.err().contains("CUDA runtime"), plain.out() + plain.err());
        Run verbose = run("check", "--model", "no-such-model", "--verbose");
        assertTrue(verbose.out().contains("CUDA runtime"), verbose.out());
        StringWriter version = new StringWriter();
        CommandLine cli = RevnetCli.commandLine();
        cli.setOut(new PrintWriter(version, true));
        assertEquals(0, cli.execute("--version"));
        assertTrue(version.toString().contains("CUDA runtime"), version.toString());
    }
}
