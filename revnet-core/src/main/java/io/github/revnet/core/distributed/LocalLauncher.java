package io.github.revnet.core.distributed;

import io.github.revnet.bridge.Torch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts N worker JVMs on this machine, as {@code torchrun --standalone} does: a free port for rank 0's store, the torchrun
 * variables per rank, intra-op threads = cores / N. Gathers every line each worker prints, prefixed by its rank. A worker
 * that exits non-zero, or a job that outlives its timeout, ends the job: the others are killed, none is left behind, and
 * the failure names the rank.
 */
public final class LocalLauncher {
    private LocalLauncher() {
    }

    /** What the workers printed, per rank, in order. */
    public record Job(List<List<String>> lines) {
    }

    /** A worker that failed, or a job that did not finish in time: which rank, and what the workers printed. */
    public static final class WorkerFailure extends RuntimeException {
        public WorkerFailure(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code main} with {@code args} in {@code ranks} JVMs and returns their output once all exited 0.
     * {@code echo} sees every line as it arrives, "[rank r] ..." (may be called from several threads at once).
     */
    public static Job run(Class<?> main, List<String> args, int ranks, Duration timeout, java.util.function.Consumer<String> echo)
            throws IOException, InterruptedException {
        if (ranks < 1) {
            throw new IllegalArgumentException("--nproc must be >= 1, got " + ranks);
        }
        // The natives extracted once, here, before N JVMs would race to unpack them into the same cache.
        Torch.ensureLoaded();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LaunchEnvironment env = new LaunchEnvironment(0, ranks, 0, "127.0.0.1", port);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / ranks);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        List<List<String>> lines = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try {
            for (int r = 0; r < ranks; r++) {
                List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-Dorg.bytedeco.javacpp.maxBytes=0",
                        "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"), main.getName()));
                command.addAll(args);
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                pb.environment().putAll(env.variablesFor(r));
                // Workers train: freed tensor memory kept for reuse, whatever the launching JVM was started with.
                io.github.revnet.bridge.GlibcMalloc.REUSE.applyTo(pb.environment());
                pb.environment().put("REVNET_THREADS", String.valueOf(threads));
                Process p = pb.start();
                processes.add(p);
                echo.accept("[rank " + r + "] started as process " + p.pid());
                List<String> out = Collections.synchronizedList(new ArrayList<>());
                lines.add(out);
                int rank = r;
                Thread reader = new Thread(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            out.add(line);
                            echo.accept("[rank " + rank + "] " + line);
                        }
                    } catch (IOException e) {
                        out.add("(output lost: " + e.getMessage() + ")");
                    }
                }, "rank-" + r + "-output");
                reader.setDaemon(true);
                reader.start();
                readers.add(reader);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            List<Process> running = new ArrayList<>(processes);
            while (!running.isEmpty()) {
                for (int r = 0; r < processes.size(); r++) {
                    Process p = processes.get(r);
                    if (running.contains(p) && !p.isAlive()) {
                        running.remove(p);
                        if (p.exitValue() != 0) {
                            List<Integer> alive = new ArrayList<>();
                            for (int o = 0; o < processes.size(); o++) {
                                if (processes.get(o).isAlive()) {
                                    alive.add(o);
                                }
                            }
                            // A rank that gave up waiting in a collective names no culprit; the ranks still running (a
                            // stalled one among them) are named beside it.
                            throw new WorkerFailure("rank " + r + " of " + ranks + " exited with status " + p.exitValue()
                                    + (alive.isEmpty() ? "" : "; rank(s) " + alive + " still running were stopped")
                                    + ". Its last lines:\n  " + String.join("\n  ", tail(lines.get(r), 8)));
                        }
                    }
                }
                if (System.nanoTime() > deadline) {
                    List<Integer> stuck = new ArrayList<>();
                    for (int r = 0; r < processes.size(); r++) {
                        if (processes.get(r).isAlive()) {
                            stuck.add(r);
                        }
                    }
                    throw new WorkerFailure("rank(s) " + stuck + " of " + ranks + " still running after " + timeout.toSeconds()
                            + " s; every rank was stopped");
                }
                Thread.sleep(20);
            }
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
            return new Job(lines);
        } finally {
            for (Process p : processes) {
                if (p.isAlive()) {
                    p.destroyForcibly();
                }
            }
            for (Process p : processes) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> tail(List<String> lines, int n) {
        synchronized (lines) {
            return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    /** The intra-op threads a worker should use: {@code REVNET_THREADS} when its launcher set it, else every core. */
    public static int workerThreads() {
        String value = System.getenv("REVNET_THREADS");
        return value == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(value);
    }
}
