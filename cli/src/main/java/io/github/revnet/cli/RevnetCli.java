package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;
import io.github.revnet.bridge.FirstLoad;
import io.github.revnet.core.NumericalFailure;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code ./revnet} command line. */
@Command(name = "revnet", mixinStandardHelpOptions = true, versionProvider = RevnetCli.Versions.class,
        description = "Reversible Residual Networks on native LibTorch: check that reconstruction-based backprop gives the"
                + " gradients of ordinary backprop.",
        subcommands = {ReportCommand.class, CheckCommand.class, AuditCommand.class, FuzzCommand.class, BenchCommand.class, TrainCommand.class, CompareCheckpointsCommand.class, SoakCommand.class, ModelsCommand.class, ProfileCommand.class, PlanCommand.class, CommandLine.HelpCommand.class})
public final class RevnetCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** --version: the harness, LibTorch and the CPU, and what the CUDA runtime says about GPUs. */
    static final class Versions implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"revnet-harness 0.1.0", Environment.describe(), Environment.describeCuda()};
        }
    }

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "on an error, also print the Java stack trace")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Before anything can touch the presets: a first run must find the bundled LibTorch, not the system's.
        FirstLoad.prepare();
        System.exit(commandLine().execute(args));
    }

    /** Exit code of bad input: a wrong option value, a path that cannot be read or written. */
    static final int BAD_INPUT = 2;
    /** Exit code of anything else that went wrong: a numerical failure, a bug, a native error. */
    static final int FAILURE = 3;

    /**
     * The configured command line: every error is one line on standard error (the stack trace
     * only with --verbose); bad input (IllegalArgumentException) and unreadable or unwritable
     * paths exit 2, a numerical failure and anything else 3.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new RevnetCli());
        cli.setExecutionStrategy(parseResult -> {
            Banner.verbose(verbose(parseResult));
            return new CommandLine.RunLast().execute(parseResult);
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean badInput = e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof java.io.UncheckedIOException;
            String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage().lines().findFirst().orElse("");
            String kind = badInput ? "" : e instanceof NumericalFailure ? "numerical failure: "
                    : e instanceof io.github.revnet.core.distributed.PeerFailure ? "distributed job failed: "
                    : "internal error (" + e.getClass().getSimpleName() + "): ";
            commandLine.getErr().println("revnet: " + kind + message
                    + (verbose(parseResult) || badInput ? "" : " (--verbose shows the stack trace)"));
            if (verbose(parseResult)) {
                e.printStackTrace(commandLine.getErr());
            }
            return badInput ? BAD_INPUT : FAILURE;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println("revnet: " + e.getMessage() + " (see ./revnet help " + command.getCommandName().replace("revnet", "").trim()
                    + ")");
            return BAD_INPUT;
        });
        return cli;
    }

    private static boolean verbose(CommandLine.ParseResult result) {
        for (CommandLine.ParseResult r = result; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
