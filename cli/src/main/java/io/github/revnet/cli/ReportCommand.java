package io.github.revnet.cli;

import io.github.revnet.bench.Sweep;
import io.github.revnet.bench.TrainingReport;
import io.github.revnet.core.DType;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.training.LearningRateSchedule;
import io.github.revnet.core.training.TrainingComparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The main job: the correctness check, a short training comparison, then the benchmark sweep and its report. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "The main job: run the correctness check on revnet-38 (float64); when Fashion-MNIST is installed, a short "
            + "stored-vs-reversible training comparison (or the result of a longer `train --compare --json` run, with "
            + "--training-json); then the standard benchmark sweep; and write the report (see `bench` and `train`).")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "report", description = "output folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--quick", description = "use the smoke sweep")
    boolean quick;

    @Option(names = "--training-steps", defaultValue = "100",
            description = "steps of the training comparison (revnet-38, batch 64); 0 leaves it out (default ${DEFAULT-VALUE})")
    int trainingSteps;

    @Option(names = "--training-json", description = "use this `train --compare --json` result instead of training")
    Path trainingJson;

    @Option(names = "--data", description = "folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)")
    Path data = FashionMnist.DEBIAN_DIR;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws Exception {
        if (trainingSteps < 0) {
            throw new IllegalArgumentException("--training-steps must be >= 0 (0 leaves training out), got " + trainingSteps);
        }
        if (trainingJson != null && !Files.isRegularFile(trainingJson)) {
            throw new IllegalArgumentException("--training-json " + trainingJson + " is not a file");
        }
        OutputPaths.folder("--out", out);
        long start = System.nanoTime();
        int check = new CommandLine(new CheckCommand()).execute("--model", "revnet-38", "--quiet", "--threads", String.valueOf(threads.threads),
                "--json", out.resolve("check.json").toString());
        if (check != 0) {
            System.out.println("correctness check failed: no benchmark report");
            return check;
        }
        TrainingReport.Section training = training();
        BenchCommand.run(quick ? Sweep.quick() : Sweep.standard(), out, threads, quick ? "./revnet report --quick" : "./revnet report",
                training);
        System.out.printf("report finished in %.0f s (check, training comparison, benchmarks)%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private TrainingReport.Section training() throws Exception {
        if (trainingJson != null) {
            return TrainingReport.Section.of(TrainingReport.read(trainingJson), "`" + trainingJson + "`");
        }
        if (trainingSteps == 0) {
            return null;
        }
        if (!FashionMnist.isInstalled(data)) {
            String reason = "Fashion-MNIST is not installed in " + data + " (apt-get install dataset-fashion-mnist)";
            System.out.println("training section skipped: " + reason);
            return TrainingReport.Section.skipped(reason);
        }
        threads.apply();
        var options = new TrainingComparison.Options("revnet-38", trainingSteps, 64, 0, 0.05, LearningRateSchedule.COSINE,
                Math.max(1, trainingSteps / 20), 60000, 2000, DType.FLOAT32);
        System.out.printf("training comparison: revnet-38, %d steps of batch 64, stored and reversible%n", trainingSteps);
        TrainingComparison.Outcome o = TrainingComparison.run(FashionMnist.load(data), options, line -> System.out.println("  " + line));
        TrainingReport.write(TrainingReport.json(o), out.resolve("training.json"));
        return TrainingReport.Section.of(o, String.format("`./revnet train --compare --model revnet-38 --steps %d --batch 64 --angle-every %d"
                + " --test-limit 2000`, run by the report", trainingSteps, options.angleEvery()));
    }
}
