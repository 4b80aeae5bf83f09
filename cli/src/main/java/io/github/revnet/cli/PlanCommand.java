package io.github.revnet.cli;

import io.github.revnet.bench.ByteSize;
import io.github.revnet.bench.MemoryPlanner;
import io.github.revnet.bench.PlanReport;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.ModelSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Chooses a mode per reversible stack so that the step is fastest under a memory budget, and checks the choice. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Choose stored, checkpoint or reversible for every reversible stack of a model so that the measured step time is "
            + "least with the measured peak activation memory within --budget; every plan is measured, the choice is run again in "
            + "a fresh process and its peak held against the budget (exit 1 if over). Writes plan.png (time against memory, the "
            + "Pareto front) into --out. A budget below the lightest plan is refused with the minimum needed.")
final class PlanCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a model with reversible stacks (see `./revnet models`)")
    String model;

    @Option(names = "--batch", defaultValue = "32", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--image-size", defaultValue = "32", description = "image size (default ${DEFAULT-VALUE})")
    int imageSize;

    @Option(names = "--dtype", defaultValue = "float32", converter = Converters.DTypes.class, completionCandidates = Converters.DTypes.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    DType dtype;

    @Option(names = "--budget", required = true, description = "peak activation memory allowed, e.g. 300MiB, 1.5GiB, 500MB")
    String budget;

    @Option(names = "--rounds", defaultValue = "5", description = "timing rounds over all plans (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.Precisions.class,
            completionCandidates = Converters.Precisions.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}): the policy every plan's memory and time are measured under")
    Precision precision;

    @Option(names = "--out", defaultValue = "plan", description = "folder for plan.png (default ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        ModelSpec.resolve(model);
        long budgetBytes = ByteSize.parse(budget);
        DType type = dtype;
        OutputPaths.folder("--out", out);
        threads.apply();
        var options = new MemoryPlanner.Options(model, batch, imageSize, type, precision, budgetBytes, rounds, Torch.threads());
        device.cpuOnly("plan");
        Banner.print();
        MemoryPlanner.Outcome o = MemoryPlanner.run(options, line -> System.out.println("  " + line));
        System.out.print(PlanReport.table(o));
        java.nio.file.Files.createDirectories(out);
        PlanReport.chart(o, out.resolve("plan.png"));
        System.out.println("wrote " + out.resolve("plan.png"));
        return o.meetsBudget() ? 0 : 1;
    }
}
