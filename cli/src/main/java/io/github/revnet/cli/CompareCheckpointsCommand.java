package io.github.revnet.cli;

import io.github.revnet.core.training.CheckpointComparison;
import io.github.revnet.core.training.TrainingCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** How far apart two training runs' saved weights are. */
@Command(name = "compare-checkpoints", mixinStandardHelpOptions = true,
        description = "Compare the weights and buffers two `train --checkpoint` folders hold (the same model): their relative "
            + "difference over all tensors, ‖a − b‖ / ‖b‖ in float64, and the worst tensor's. For instance an uninterrupted "
            + "run against one stopped and resumed at another rank count. With --tolerance, exits 1 above it.")
final class CompareCheckpointsCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the first run's --checkpoint folder")
    Path a;

    @Parameters(index = "1", description = "the second run's --checkpoint folder (the reference: differences are relative to it)")
    Path b;

    @Option(names = "--trainer", description = "the trainer to compare when a folder holds several (stored, reversible, ...)")
    String trainer;

    @Option(names = "--tolerance", description = "fail (exit 1) when the relative difference exceeds this")
    Double tolerance;

    @Option(names = "--json", description = "also write the result as JSON to this file")
    Path json;

    @Override
    public Integer call() throws Exception {
        for (Path p : new Path[] {a, b}) {
            if (!Files.isDirectory(p) || !new TrainingCheckpoint(p).exists()) {
                throw new IllegalArgumentException(p + " holds no training checkpoint (a folder written by train --checkpoint)");
            }
        }
        if (tolerance != null && !(tolerance >= 0)) {
            throw new IllegalArgumentException("--tolerance must be >= 0, got " + tolerance);
        }
        OutputPaths.file("--json", json);
        CheckpointComparison.Result r = CheckpointComparison.compare(new TrainingCheckpoint(a), new TrainingCheckpoint(b), trainer);
        System.out.printf("%s trainer, step %d (%s) against step %d (%s)%n", r.trainer(), r.stepA(), a, r.stepB(), b);
        System.out.printf("relative difference over all %d tensors  %.3e%n", r.tensors().size(), r.relativeDifference());
        System.out.printf("worst tensor                             %.3e  %s%n", r.worst().relative(), r.worst().name());
        if (r.stepA() != r.stepB()) {
            System.out.println("note: the checkpoints are at different steps");
        }
        boolean pass = tolerance == null || r.relativeDifference() <= tolerance;
        if (tolerance != null) {
            System.out.printf("%s (tolerance %.1e)%n", pass ? "PASS" : "FAIL", tolerance);
        }
        if (json != null) {
            Json.write(json, r);
            System.out.println("wrote " + json);
        }
        return pass ? 0 : 1;
    }
}
