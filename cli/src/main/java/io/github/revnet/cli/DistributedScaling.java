package io.github.revnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bench.MedianInterval;
import io.github.revnet.core.Mode;
import io.github.revnet.core.distributed.LocalLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.github.revnet.core.training.DataParallelTraining.Averaging;

/**
 * {@code bench --distributed}: at one global batch, one process with every core against N processes with cores / N
 * threads each, per mode. Each job is a real {@code train} run on Fashion-MNIST (the one-process layout is a job of one
 * rank, so both run the same code, its allreduce trivial). The layouts alternate within each pair of jobs, so a slow
 * spell of the machine falls on both; each job's first steps are warm-up and left out.
 */
final class DistributedScaling {
    /** How many processes, with how many intra-op threads each, and when their gradients are averaged. */
    record Layout(int processes, int threadsEach, Averaging averaging) {
        String label() {
            return processes + " × " + threadsEach + (processes == 1 ? "" : ", " + averaging.label());
        }
    }

    /**
     * One mode under one layout, over every job's timed steps: the step time (median and 95 % interval, ms), images per
     * second at the median, the gradient averaging per step (median, ms: flattening into one bucket, the allreduce, which
     * includes waiting for the slowest rank, and copying back) with its share of the step, and each replica's activation
     * memory. With overlapped averaging the averaging time is what the step waited for after its backward, and
     * {@code hiddenShare} is the share of the after-backward layout's averaging time it no longer waits (null elsewhere).
     */
    record Row(String mode, String layout, int processes, int threadsEach, MedianInterval stepMs, double imagesPerSecond,
            double allreduceMs, double allreduceShare, int timedSteps, long activationBytesPerReplica, Double hiddenShare) {
    }

    /** Per mode and N-process layout, its median step over the one-process layout's, in each round of jobs. */
    record Ratio(String mode, String layout, double median, double min, double max, List<Double> perPair) {
    }

    /**
     * The loopback allreduce, measured: the median time of one allreduce of {@code bytes} over {@code processes} ranks, and
     * the bus bandwidth it implies under the ring algorithm's cost, 2 (N − 1) / N × bytes / time.
     */
    record Loopback(long bytes, int processes, double seconds, double busBytesPerSecond) {
    }

    record Outcome(String model, int globalBatch, int stepsPerJob, int warmupSteps, int pairs, Loopback loopback, List<Row> rows,
            List<Ratio> ratios, double seconds) {
    }

    /** The bytes the bandwidth probe allreduces: 40 MB, about a 10M-parameter model's float32 gradients. */
    static final long PROBE_BYTES = 40_000_000L;

    private final String model;
    private final int batch;
    private final int steps;
    private final int warmup;
    private final int pairs;
    private final List<Mode> modes;
    private final int processes;
    private final int cores;
    private final int threadsEach;

    /**
     * {@code threads} is the one-process layout's thread count as the user gave it, 0 for every core ({@code cores}). Given,
     * it must split evenly over the ranks, so both layouts use the same threads. By default each rank gets its share of the
     * cores, and at least one: with more ranks than cores the ranks share them (oversubscribed), as they would in training.
     */
    DistributedScaling(String model, int batch, int steps, int warmup, int pairs, List<Mode> modes, int processes, int threads, int cores) {
        if (processes < 2) {
            throw new IllegalArgumentException("--nproc must be >= 2 to compare with one process, got " + processes);
        }
        if (threads > 0 && threads % processes != 0) {
            throw new IllegalArgumentException("--threads " + threads + " does not split evenly over --nproc " + processes
                    + ": give a multiple of " + processes + ", or leave --threads out to share the cores");
        }
        if (batch % processes != 0) {
            throw new IllegalArgumentException("--batch " + batch + " does not split evenly over --nproc " + processes);
        }
        if (steps <= warmup) {
            throw new IllegalArgumentException("--steps " + steps + " leaves no timed step after " + warmup + " warm-up steps");
        }
        if (pairs < 1) {
            throw new IllegalArgumentException("--pairs must be >= 1, got " + pairs);
        }
        this.model = model;
        this.batch = batch;
        this.steps = steps;
        this.warmup = warmup;
        this.pairs = pairs;
        this.modes = modes;
        this.processes = processes;
        this.cores = threads > 0 ? threads : cores;
        this.threadsEach = Math.max(1, this.cores / processes);
    }

    /** Whether the ranks' threads outnumber the one-process layout's: more ranks than cores. */
    boolean oversubscribed() {
        return threadsEach * processes > cores;
    }

    /** {@code processes} ranks allreduce {@link #PROBE_BYTES} 10 times; rank 0's median. */
    Loopback loopback() throws Exception {
        LocalLauncher.Job job = LocalLauncher.run(AllreduceProbe.class, AllreduceProbe.arguments(PROBE_BYTES, 10), processes,
                Duration.ofMinutes(5), line -> { });
        double seconds = job.lines().get(0).stream().filter(l -> l.startsWith(AllreduceProbe.PREFIX))
                .mapToDouble(l -> Double.parseDouble(l.substring(AllreduceProbe.PREFIX.length()))).findFirst()
                .orElseThrow(() -> new IllegalStateException("the bandwidth probe printed no time: " + job.lines().get(0)));
        return new Loopback(PROBE_BYTES, processes, seconds, 2.0 * (processes - 1) / processes * PROBE_BYTES / seconds);
    }

    Outcome run(Path out) throws Exception {
        Files.createDirectories(out);
        long start = System.nanoTime();
        System.out.printf("loopback allreduce of %d MB over %d processes%n", PROBE_BYTES / 1_000_000, processes);
        Loopback loopback = loopback();
        Layout one = new Layout(1, cores, Averaging.AFTER_BACKWARD);
        if (oversubscribed()) {
            System.out.printf("%d processes on %d cores: one thread each, the ranks share the cores%n", processes, cores);
        }
        Layout after = new Layout(processes, threadsEach, Averaging.AFTER_BACKWARD);
        Layout overlapped = new Layout(processes, threadsEach, Averaging.OVERLAPPED);
        List<Layout> layouts = List.of(one, after, overlapped);
        ObjectMapper mapper = new ObjectMapper();
        List<Row> rows = new ArrayList<>();
        List<Ratio> ratios = new ArrayList<>();
        for (Mode mode : modes) {
            Map<Layout, List<Double>> stepTimes = new LinkedHashMap<>();
            Map<Layout, List<Double>> allreduceTimes = new LinkedHashMap<>();
            Map<Layout, List<Double>> perPair = new LinkedHashMap<>();
            for (int p = 0; p < pairs; p++) {
                Map<Layout, Double> medians = new LinkedHashMap<>();
                // Each round starts with another layout, so a slow spell does not always fall on the same one.
                List<Layout> order = new ArrayList<>(layouts);
                java.util.Collections.rotate(order, -p);
                for (Layout layout : order) {
                    Path json = out.resolve(String.format("%s-%s-%dx%d-%s-%d.json", model, mode.label(), layout.processes(), layout.threadsEach(),
                            layout.averaging().label(), p));
                    System.out.printf("[%6.0fs] %s, %s, %s processes × threads, round %d of %d%n", (System.nanoTime() - start) / 1e9, model,
                            mode.label(), layout.label(), p + 1, pairs);
                    List<String> args = List.of("train", "--model", model, "--mode", mode.label(), "--steps", String.valueOf(steps),
                            "--batch", String.valueOf(batch), "--train-limit", String.valueOf(Math.max(batch * steps, 1000)), "--test-limit", "100",
                            "--angle-every", String.valueOf(steps), "--threads", String.valueOf(layout.threadsEach()), "--averaging",
                            layout.averaging().label(), "--json", json.toString());
                    Files.deleteIfExists(json);
                    LocalLauncher.run(RevnetCli.class, args, layout.processes(), Duration.ofHours(2), line -> { });
                    JsonNode node = mapper.readTree(json.toFile());
                    if (!node.get("same_weights").asBoolean()) {
                        throw new IllegalStateException(json + ": the ranks ended with different weights");
                    }
                    double[] timed = tail(node.get("step_seconds_rank0"));
                    stepTimes.computeIfAbsent(layout, k -> new ArrayList<>()).addAll(Arrays.stream(timed).boxed().toList());
                    allreduceTimes.computeIfAbsent(layout, k -> new ArrayList<>()).addAll(Arrays.stream(tail(node.get("averaging_seconds_rank0")))
                            .boxed().toList());
                    medians.put(layout, MedianInterval.median(timed));
                }
                for (Layout layout : List.of(after, overlapped)) {
                    perPair.computeIfAbsent(layout, k -> new ArrayList<>()).add(medians.get(layout) / medians.get(one));
                }
            }
            // Each replica's activation memory: the model at its share of the global batch, measured by the harness's meter
            // in a probe process (the zoo's model, 3 input channels, 32×32; Fashion-MNIST's is 1 channel padded to 32×32).
            Map<Layout, Long> memory = new LinkedHashMap<>();
            for (Layout layout : List.of(one, after)) {
                memory.put(layout, io.github.revnet.bench.Probes.memory(model, batch / layout.processes(), io.github.revnet.core.DType.FLOAT32, 32,
                        layout.threadsEach(), List.of(mode.label())).get(0).get("peak_activation_bytes").asLong());
            }
            memory.put(overlapped, memory.get(after));
            Map<Layout, Double> averagingMs = new LinkedHashMap<>();
            for (Layout layout : layouts) {
                averagingMs.put(layout, 1000 * MedianInterval.median(allreduceTimes.get(layout).stream().mapToDouble(Double::doubleValue).toArray()));
            }
            for (Layout layout : layouts) {
                double[] ms = stepTimes.get(layout).stream().mapToDouble(s -> 1000 * s).toArray();
                double allreduceMs = averagingMs.get(layout);
                MedianInterval step = MedianInterval.of(ms, 0.95);
                Double hidden = layout == overlapped ? 1 - allreduceMs / averagingMs.get(after) : null;
                rows.add(new Row(mode.label(), layout.label(), layout.processes(), layout.threadsEach(), step, batch / (step.median() / 1000),
                        allreduceMs, allreduceMs / step.median(), ms.length, memory.get(layout), hidden));
            }
            perPair.forEach((layout, list) -> {
                double[] r = list.stream().mapToDouble(Double::doubleValue).toArray();
                ratios.add(new Ratio(mode.label(), layout.label(), MedianInterval.median(r), Arrays.stream(r).min().orElseThrow(),
                        Arrays.stream(r).max().orElseThrow(), list));
            });
        }
        return new Outcome(model, batch, steps, warmup, pairs, loopback, rows, ratios, (System.nanoTime() - start) / 1e9);
    }

    /** A job's per-step values after its warm-up steps. */
    private double[] tail(JsonNode values) {
        double[] all = new double[values.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = values.get(i).asDouble();
        }
        return Arrays.copyOfRange(all, warmup, all.length);
    }

    static void print(Outcome o) {
        System.out.printf("%s, global batch %d, %d timed steps per job (%d warm-up left out), %d alternating pairs of jobs%n", o.model(),
                o.globalBatch(), o.stepsPerJob() - o.warmupSteps(), o.warmupSteps(), o.pairs());
        System.out.printf("%-11s %-26s %-30s %-10s %-22s %-22s %s%n", "mode", "layout", "step ms, median [95% interval]", "images/s",
                "averaging ms (share)", "activations / replica", "overlapped");
        for (Row r : o.rows()) {
            System.out.printf("%-11s %-26s %-30s %-10.1f %-22s %-22s %s%n", r.mode(), r.layout(), String.format("%.0f [%.0f, %.0f]", r.stepMs().median(),
                    r.stepMs().low(), r.stepMs().high()), r.imagesPerSecond(), String.format("%.1f (%.1f %%)", r.allreduceMs(),
                    100 * r.allreduceShare()), String.format("%.1f MiB", r.activationBytesPerReplica() / 1048576.0),
                    r.hiddenShare() == null ? "-" : String.format("%.0f %% of the after-backward averaging hidden", 100 * r.hiddenShare()));
        }
        System.out.printf("loopback allreduce of %.0f MB over %d processes: %.1f ms, bus bandwidth %.2f GB/s (ring model 2(N-1)/N x bytes / time)%n",
                o.loopback().bytes() / 1e6, o.loopback().processes(), 1000 * o.loopback().seconds(), o.loopback().busBytesPerSecond() / 1e9);
        for (Ratio r : o.ratios()) {
            System.out.printf("%-11s %s / one process, median of rounds %.3f (range %.3f–%.3f)%n", r.mode(), r.layout(), r.median(), r.min(),
                    r.max());
        }
    }
}
