package io.github.revnet.cli;

import io.github.revnet.bench.Sweep;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The main job: the correctness check, then the benchmark sweep and its report. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"The main job: run the correctness check on revnet-38 (float64), then the standard benchmark sweep,",
                "and write the report (see `bench`)."})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "report", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--quick", description = "use the smoke sweep")
    boolean quick;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws Exception {
        java.nio.file.Files.createDirectories(out);
        int check = new CommandLine(new CheckCommand()).execute("--model", "revnet-38", "--quiet", "--threads", String.valueOf(threads.threads),
                "--json", out.resolve("check.json").toString());
        if (check != 0) {
            System.out.println("correctness check failed: no benchmark report");
            return check;
        }
        BenchCommand.run(quick ? Sweep.quick() : Sweep.standard(), out, threads, quick ? "./revnet report --quick" : "./revnet report");
        return 0;
    }
}
