package io.github.revnet.cli;

import io.github.revnet.bench.PrecisionTiming;
import io.github.revnet.bench.StepProfile;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.ModelSpec;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints where one model's training step spends its time, phase by phase, in each mode. */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Where a training step's time goes: forward (with and without graph), recomputation forward, backward through "
            + "the recomputation, reconstruction arithmetic, random state, running statistics, bookkeeping, loss and optimizer, per "
            + "mode, from rounds that interleave the modes; next to the step timed without the clock.")
final class ProfileCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a model name (see `./revnet models`)")
    String model;

    @Option(names = "--batch", defaultValue = "32", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--image-size", defaultValue = "32", description = "image size (default ${DEFAULT-VALUE}; RevViT: tokens = (size/4)^2)")
    int imageSize;

    @Option(names = "--dtype", defaultValue = "float32", converter = Converters.DTypes.class, completionCandidates = Converters.DTypes.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    DType dtype;

    @Option(names = "--precision", defaultValue = "fp32", split = ",", converter = Converters.Precisions.class,
            completionCandidates = Converters.Precisions.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}); two or more, e.g. fp32,bf16: step times per "
            + "policy and mode side by side in rounds that interleave them, each policy's ratio to the first paired per round")
    List<Precision> precision;

    @Option(names = "--modes", defaultValue = "stored,reversible,checkpoint", split = ",", converter = Converters.Modes.class,
            completionCandidates = Converters.Modes.class, description = "modes to profile, stored among them (default ${DEFAULT-VALUE})")
    List<Mode> modes;

    @Option(names = "--rounds", defaultValue = "10", description = "measured rounds, >= 6 (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", defaultValue = "2", description = "warm-up rounds (default ${DEFAULT-VALUE})")
    int warmup;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() {
        ModelSpec.resolve(model);
        if (precision.size() > 1 || precision.get(0) != Precision.FP32) {
            precision.forEach(p -> p.requireCompatible(dtype));
        }
        if (precision.size() > 1) {
            var policies = new PrecisionTiming.Options(model, batch, imageSize, List.copyOf(precision), List.copyOf(modes), warmup, rounds);
            threads.apply();
            device.cpuOnly("profile");
            Banner.print();
            System.out.printf("%s, batch %d: %s x %s, %d warm-up and %d measured rounds, interleaved%n", model, batch, precision, modes,
                    warmup, rounds);
            System.out.print(PrecisionTiming.table(PrecisionTiming.run(policies, line -> System.out.println("  " + line))));
            return 0;
        }
        var options = new StepProfile.Options(model, batch, imageSize, dtype, precision.get(0), List.copyOf(modes), warmup, rounds);
        threads.apply();
        device.cpuOnly("profile");
        Banner.print();
        System.out.printf("%s, batch %d, %s, precision %s: %d warm-up and %d measured rounds, modes interleaved%n", model, batch, dtype,
                precision.get(0), warmup, rounds);
        StepProfile.Outcome o = StepProfile.run(options, line -> System.out.println("  " + line));
        System.out.print(StepProfile.table(o));
        return 0;
    }
}
