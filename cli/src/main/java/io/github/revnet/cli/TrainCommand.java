package io.github.revnet.cli;

import io.github.revnet.bench.TrainingReport;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.Mode;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.Plan;
import io.github.revnet.core.training.LearningRateSchedule;
import io.github.revnet.core.training.TrainingComparison;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import io.github.revnet.core.distributed.LaunchEnvironment;
import io.github.revnet.core.distributed.LocalLauncher;
import io.github.revnet.core.distributed.ProcessGroup;
import io.github.revnet.core.training.DataParallelTraining;
import io.github.revnet.core.training.TrainingCheckpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training on real data: one mode, or stored against reversible from the same start. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a RevNet on Fashion-MNIST (Debian's dataset-fashion-mnist), in one mode, or with --compare in stored and "
            + "reversible mode from the same initialisation and data order, recording both losses every step and the angle "
            + "between stored and reconstructed gradients at sampled steps. With --checkpoint DIR the run saves its state "
            + "every --checkpoint-every steps; --resume continues it (same settings; with --schedule constant, --steps may grow).",
            "With --nproc N it trains data-parallel on N local worker processes (c10d, Gloo over loopback), --batch being the "
            + "global batch; without --nproc, under a launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT "
            + "(torchrun), it runs as one rank of such a job."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "only fashion-mnist (default)")
    String dataset;

    @Option(names = "--data", description = "folder with the IDX files (default /usr/share/datasets/fashion-mnist)")
    Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--model", defaultValue = "revnet-38", description = "a revnet-* or revvit-* model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--mode", defaultValue = "reversible", converter = Converters.Modes.class, completionCandidates = Converters.Modes.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Mode mode;

    @Option(names = "--plan", description = "data-parallel runs: the hybrid mode, one mode per reversible stack separated by commas"
            + " (revnet-38 has three stacks, e.g. reversible,stored,checkpoint; see ./revnet plan); replaces --mode")
    String planText;

    /** {@link #planText} parsed, once the command runs; null trains in --mode. */
    private Plan plan;

    @Option(names = "--compare", description = "train stored and reversible side by side and compare; with --nproc N, "
            + "--mode on N ranks, then stored in one process, and their test accuracies")
    boolean compare;

    @Option(names = "--steps", defaultValue = "2000", description = "optimizer steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "128", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "0", description = "seed of initialisation and data order (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate, momentum 0.9, weight decay 1e-4 (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--schedule", defaultValue = "cosine",
            description = "learning rate over the run: cosine (annealed from --lr to zero) or constant (default ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--angle-every", defaultValue = "100",
            description = "gradient-angle sampling (and progress) interval in steps (default ${DEFAULT-VALUE})")
    int angleEvery;

    @Option(names = "--train-limit", defaultValue = "60000", description = "use only the first N training images (default ${DEFAULT-VALUE})")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "10000", description = "evaluate on the first N test images (default ${DEFAULT-VALUE})")
    int testLimit;

    @Option(names = "--dtype", defaultValue = "float32", converter = Converters.DTypes.class, completionCandidates = Converters.DTypes.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    DType dtype;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.Precisions.class,
            completionCandidates = Converters.Precisions.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}): bf16 runs F and G under bfloat16 autocast, float32 streams")
    Precision precision;

    @Option(names = "--drop-path", defaultValue = "0", description = "stochastic depth of each reversible transformer block's F and G, "
            + "in [0, 1) (default ${DEFAULT-VALUE}; RevViTs only): the masks come from each stack's stream and are replayed")
    double dropPath;

    @Option(names = "--checkpoint", description = "save the run's state (weights, momentum, curve) in this folder")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "checkpoint interval in steps (default ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue the run saved in the --checkpoint folder (starts afresh if it is empty)")
    boolean resume;

    @Option(names = "--stop-after", description = "data-parallel: end the run after this step, its checkpoint saved, as a preempted "
            + "job would end (needs --checkpoint); --resume continues it, at any rank count where --sync-bn or the model allows")
    Integer stopAfter;

    @Option(names = "--sync-bn", description = "data-parallel: batch normalisation over the global batch (SyncBatchNorm), through "
            + "the reversible recomputation too; the run is then the same at any rank count and resumes at another")
    boolean syncBn;

    @Option(names = "--nproc", description = "train data-parallel on N local worker processes (like torchrun --standalone); "
            + "--batch is the global batch, split evenly, and each worker gets cores / N threads unless --threads is given")
    Integer nproc;

    @Option(names = "--timeout", defaultValue = "60", description = "data-parallel: seconds a rank waits for the others at the rendezvous "
            + "or a collective before it gives up and exits non-zero (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--averaging", defaultValue = "after-backward", description = "data-parallel: when the gradients are averaged: "
            + "overlapped (1 MiB buckets, each allreduced as soon as the backward has finished its gradients) or after-backward "
            + "(one bucket once the backward is done) (default ${DEFAULT-VALUE})")
    String averaging;

    @Spec
    CommandSpec spec;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--json", description = "write the result as JSON to this file")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (!dataset.equals("fashion-mnist")) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "': only fashion-mnist is supported");
        }
        if (resume && checkpoint == null) {
            throw new IllegalArgumentException("--resume needs --checkpoint DIR, the folder of the run to continue");
        }
        var options = new TrainingComparison.Options(model, steps, batch, seed, lr, LearningRateSchedule.parse(schedule), angleEvery,
                trainLimit, testLimit, dtype, precision, dropPath);
        if (stopAfter != null) {
            if (checkpoint == null) {
                throw new IllegalArgumentException("--stop-after needs --checkpoint DIR: a stopped run is continued from its checkpoint");
            }
            if (stopAfter < 1) {
                throw new IllegalArgumentException("--stop-after must be >= 1, got " + stopAfter);
            }
        }
        var checkpointing = checkpoint == null ? TrainingComparison.Checkpointing.NONE
                : new TrainingComparison.Checkpointing(checkpoint, checkpointEvery, resume, stopAfter == null ? 0 : stopAfter);
        Mode single = compare ? null : mode;
        plan = planText == null ? null : Plan.parse(planText);
        if (plan != null) {
            if (compare) {
                throw new IllegalArgumentException("--plan trains one run in the hybrid mode; --compare compares stored mode with --mode");
            }
            if (nproc == null && !LaunchEnvironment.present(System.getenv())) {
                throw new IllegalArgumentException("--plan trains data-parallel: add --nproc N (--nproc 1 runs it in one worker)");
            }
        }
        if (nproc == null && !LaunchEnvironment.present(System.getenv())) {
            if (syncBn) {
                throw new IllegalArgumentException("--sync-bn synchronises data-parallel ranks: add --nproc N (one process normalises its"
                        + " whole batch anyway)");
            }
            if (stopAfter != null) {
                throw new IllegalArgumentException("--stop-after applies to data-parallel runs: add --nproc N (--nproc 1 runs one worker)");
            }
        }
        if (syncBn && !io.github.revnet.core.models.ModelSpec.resolve(model).batchNorm()) {
            throw new IllegalArgumentException("--sync-bn: " + model + " has no batch normalisation (its LayerNorms normalise each token"
                    + " alone), so its runs are the same at any rank count without it");
        }
        // the device first: a machine without CUDA is told so whether or not the data is installed
        device.cpuOnly("train");
        if (!FashionMnist.isInstalled(data)) {
            throw new IllegalArgumentException("Fashion-MNIST not found in " + data + ": apt-get install dataset-fashion-mnist, or pass --data DIR");
        }
        OutputPaths.file("--json", json);
        OutputPaths.folder("--checkpoint", checkpoint);
        boolean rankOfAJob = LaunchEnvironment.present(System.getenv());
        if (nproc != null || rankOfAJob) {
            if (compare && rankOfAJob) {
                throw new IllegalArgumentException("--compare runs in one process; a rank of a data-parallel job trains one --mode");
            }
            if (compare && checkpoint != null) {
                throw new IllegalArgumentException("--compare with --nproc does not take --checkpoint: it runs two trainings, one after"
                        + " the other");
            }
            DataParallelTraining.Averaging.parse(averaging);
            if (timeoutSeconds < 1) {
                throw new IllegalArgumentException("--timeout must be >= 1 second, got " + timeoutSeconds);
            }
            if (checkpoint != null && !resume && new TrainingCheckpoint(checkpoint).exists()) {
                throw new IllegalArgumentException(checkpoint + " already holds a checkpoint: resume it, or choose another directory");
            }
        }
        if (nproc != null) {
            if (nproc < 1) {
                throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
            }
            if (rankOfAJob) {
                throw new IllegalArgumentException("--nproc starts its own workers, but this process is already rank "
                        + System.getenv("RANK") + " of a job (RANK/WORLD_SIZE are set)");
            }
            if (batch % nproc != 0) {
                throw new IllegalArgumentException("--batch " + batch + " (the global batch) does not split evenly over --nproc " + nproc);
            }
            if (plan != null) {
                requireFits();
            }
            requireResumable(options);
            return compare ? compareDataParallel(options) : launch(List.of());
        }
        if (rankOfAJob) {
            return rank(options, checkpointing);
        }
        threads.apply();
        Banner.print();
        FashionMnist mnist = FashionMnist.load(data);
        Map<String, Object> out;
        if (compare) {
            TrainingComparison.Outcome o = TrainingComparison.run(mnist, options, checkpointing, System.out::println);
            System.out.printf("test accuracy stored %.4f  reversible %.4f  (difference %.2f points); max gradient angle %.3e degrees; %.0fs%n",
                    o.stored().testAccuracy(), o.reversible().testAccuracy(),
                    100 * Math.abs(o.stored().testAccuracy() - o.reversible().testAccuracy()), o.maxGradAngleDegrees(), o.seconds());
            out = TrainingReport.json(o);
        } else {
            TrainingComparison.Run r = TrainingComparison.single(mnist, options, single, checkpointing, System.out::println);
            System.out.printf("%s: test accuracy %.4f, final loss %.4f%n", single.label(), r.testAccuracy(), r.finalLoss());
            out = settings(options);
            out.put("mode", single.label());
            out.put(single.label(), TrainingReport.run(r));
        }
        if (json != null) {
            TrainingReport.write(out, json);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** The run's settings, the head of a one-mode run's JSON. */
    private Map<String, Object> settings(TrainingComparison.Options options) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("steps", steps);
        out.put("batch", batch);
        out.put("seed", seed);
        out.put("learning_rate", lr);
        out.put("schedule", options.schedule().label());
        out.put("dtype", options.dtype().label());
        out.put("precision", options.precision().label());
        out.put("drop_path", options.dropPath());
        return out;
    }

    /**
     * Parity: {@code --mode} on {@code nproc} ranks (their workers using every core), then stored in this process from the
     * same seed and data, and both test accuracies side by side. The runs differ in their BatchNorm batches (each replica
     * normalises over its share of the global batch), as DistributedDataParallel's would.
     */
    private int compareDataParallel(TrainingComparison.Options options) throws Exception {
        Path rankJson = Files.createTempFile("revnet-data-parallel", ".json");
        try {
            int code = launch(List.of("--json", rankJson.toString()));
            if (code != 0) {
                return code;
            }
            JsonNode parallel = new ObjectMapper().readTree(rankJson.toFile());
            threads.apply();
            System.out.println("stored in one process, the same seed and data:");
            TrainingComparison.Run stored = TrainingComparison.single(FashionMnist.load(data), options, Mode.STORED,
                    TrainingComparison.Checkpointing.NONE, System.out::println);
            double difference = 100 * (parallel.get("test_accuracy").asDouble() - stored.testAccuracy());
            System.out.printf("test accuracy stored (1 process) %.4f  %s (%d ranks) %.4f  (difference %+.2f points)%n",
                    stored.testAccuracy(), mode.label(), nproc, parallel.get("test_accuracy").asDouble(), difference);
            if (json != null) {
                Map<String, Object> out = settings(options);
                out.put("ranks", nproc);
                out.put("stored", TrainingReport.run(stored));
                out.put("data_parallel", parallel);
                out.put("difference_points", difference);
                TrainingReport.write(out, json);
                System.out.println("wrote " + json);
            }
            return parallel.get("same_weights").asBoolean() ? 0 : 1;
        } finally {
            Files.deleteIfExists(rankJson);
        }
    }

    /** Options of this command that the workers do not get, with whether each takes a value. */
    private static final Map<String, Boolean> LAUNCHER_ONLY = Map.of("--nproc", true, "--compare", false, "--json", true);

    /**
     * Starts {@code nproc} workers running this command without the launcher's own options, plus {@code extra}, each as one
     * rank, and waits for them.
     */
    private int launch(List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("train"));
        List<String> given = spec.commandLine().getParseResult().originalArgs();
        for (int i = given.indexOf("train") + 1; i < given.size(); i++) {
            String a = given.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!LAUNCHER_ONLY.containsKey(name)) {
                args.add(a);
            } else if (LAUNCHER_ONLY.get(name) && !a.contains("=")) {
                i++;
            }
        }
        if (!compare && json != null) {
            args.addAll(List.of("--json", json.toString()));
        }
        args.addAll(extra);
        System.out.printf("%s, %s: %d ranks on this machine (Gloo over loopback), global batch %d = %d per rank%n", model,
                label(),
                nproc, batch, batch / nproc);
        try {
            // A rank that dies or stalls ends the job through the others' collective timeout; the job itself has no limit.
            LocalLauncher.run(RevnetCli.class, args, nproc, Duration.ofDays(365), line -> {
                if (!line.contains("NNPACK")) {
                    System.out.println(line);
                }
            });
            return 0;
        } catch (LocalLauncher.WorkerFailure e) {
            System.err.println("revnet: " + e.getMessage());
            return 1;
        }
    }

    /** Refuses {@code plan} unless it gives one mode per reversible stack of the model, before any worker starts. */
    private void requireFits() {
        try (Model m = Model.create(model, ModelOptions.defaults().inputChannels(1).classes(FashionMnist.CLASSES))) {
            m.validatePlan(plan);
        }
    }

    /** Refuses a --resume that the ranks would refuse (another rank count where it matters), before any worker starts. */
    private void requireResumable(TrainingComparison.Options options) {
        if (!resume || checkpoint == null || !new TrainingCheckpoint(checkpoint).exists()) {
            return;
        }
        boolean hasBatchNorm = io.github.revnet.core.models.ModelSpec.resolve(model).batchNorm();
        String why = DataParallelTraining.whyNotResumableAt(new TrainingCheckpoint(checkpoint), nproc, hasBatchNorm, options,
                new DataParallelTraining.Replication(DataParallelTraining.Averaging.parse(averaging), syncBn));
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
    }

    /** What a data-parallel run trains in: its --mode, or "hybrid" and its --plan. */
    private String label() {
        return plan == null ? mode.label() : "hybrid (" + plan.label() + ")";
    }

    /** One rank of a data-parallel job whose launcher set the torchrun variables, in --plan's modes or else --mode. */
    private int rank(TrainingComparison.Options options, TrainingComparison.Checkpointing checkpointing) throws Exception {
        LaunchEnvironment env = LaunchEnvironment.from(System.getenv());
        threads.apply(LocalLauncher.workerThreads());
        if (env.rank() == 0) {
            Banner.print();
        }
        FashionMnist mnist = FashionMnist.load(data);
        DataParallelTraining.Result r;
        try (ProcessGroup group = ProcessGroup.join(env, Duration.ofSeconds(timeoutSeconds))) {
            var replication = new DataParallelTraining.Replication(DataParallelTraining.Averaging.parse(averaging), syncBn);
            r = plan == null ? DataParallelTraining.run(group, mnist, options, mode, checkpointing, System.out::println, replication)
                    : DataParallelTraining.run(group, mnist, options, plan, checkpointing, System.out::println, replication);
        }
        if (env.rank() != 0) {
            return r.sameWeights() ? 0 : 1;
        }
        if (r.stopped()) {
            System.out.printf("%s on %d ranks: stopped after step %d, loss %.4f; weight hashes %s%s; %.0fs%n", label(), r.ranks(),
                    r.lastStep(), r.finalLoss(), r.weightHashes(), r.sameWeights() ? " (identical)" : "  FAIL: the ranks hold different weights",
                    r.seconds());
            return r.sameWeights() ? 0 : 1;
        }
        System.out.printf("%s on %d ranks: test accuracy %.4f, final loss %.4f; weight hashes %s%s; %.0fs, %.1fs of it waiting for the"
                + " average after the backward on rank 0%n",
                label(), r.ranks(), r.testAccuracy(), r.finalLoss(), r.weightHashes(), r.sameWeights() ? " (identical)"
                        : "  FAIL: the ranks hold different weights", r.seconds(), r.totalAllreduceSeconds());
        if (json != null) {
            Map<String, Object> out = settings(options);
            out.put("ranks", r.ranks());
            out.put("batch_per_rank", batch / r.ranks());
            out.put("mode", plan == null ? mode.label() : "hybrid");
            if (plan != null) {
                out.put("plan", plan.label());
            }
            out.put("averaging", r.averaging().label());
            out.put("sync_bn", syncBn);
            out.put("test_accuracy", r.testAccuracy());
            out.put("final_loss", r.finalLoss());
            out.put("weight_hashes", r.weightHashes());
            out.put("same_weights", r.sameWeights());
            out.put("seconds", r.seconds());
            out.put("steps_trained", r.stepsTrained());
            out.put("step_seconds_rank0", r.stepSeconds());
            out.put("averaging_seconds_rank0", r.allreduceSeconds());
            TrainingReport.write(out, json);
            System.out.println("wrote " + json);
        }
        return r.sameWeights() ? 0 : 1;
    }
}
