package io.github.revnet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./revnet} command line. */
@Command(name = "revnet", mixinStandardHelpOptions = true, version = "revnet-harness 0.1.0",
        description = "Reversible Residual Networks on native LibTorch: check that reconstruction-based backprop gives the"
                + " gradients of ordinary backprop.",
        subcommands = {ReportCommand.class, CheckCommand.class, BenchCommand.class, TrainCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class})
public final class RevnetCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; bad input exits 2 with a one-line message instead of a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new RevnetCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                commandLine.getErr().println("revnet: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli;
    }
}
