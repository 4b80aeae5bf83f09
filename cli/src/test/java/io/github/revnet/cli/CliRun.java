package io.github.revnet.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the command line in this JVM for a test: exit code, standard output and picocli's error stream. */
record CliRun(int code, String out, String err) {
    static CliRun of(String... args) {
        CommandLine cli = RevnetCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            int code = cli.execute(args);
            return new CliRun(code, out.toString(), err.toString());
        } finally {
            System.setOut(original);
        }
    }
}
