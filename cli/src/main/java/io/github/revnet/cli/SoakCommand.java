package io.github.revnet.cli;

import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.core.Mode;
import io.github.revnet.core.training.Soak;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Many training steps while watching resident memory and handles left to the garbage collector. */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Run many training steps of one model on random data and watch the process: resident memory (RSS) and "
            + "JavaCPP handles awaiting the garbage collector, sampled after warm-up. Reports the drift of RSS over its value "
            + "at the end of warm-up; with --force-gc a full collection runs after every step, which must change nothing when "
            + "every native object is released by its scope. Exits 1 when the drift exceeds --max-drift or handles grow.",
        footer = {"", "RSS tracks native memory only when glibc returns freed memory at once (MALLOC_MMAP_THRESHOLD_=65536) and",
                "the Java heap is fixed and pre-touched (-Xms512m -Xmx512m -XX:+AlwaysPreTouch): otherwise heap pages touched for",
                "the first time as the collector grows its young generation show up as drift. ./revnet sets both for this command.",
                "", "Example: ./revnet soak --model revnet-38 --batch 32 --steps 1500"})
final class SoakCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "revnet-38", description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--mode", defaultValue = "reversible", converter = Converters.Modes.class, completionCandidates = Converters.Modes.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Mode mode;

    @Option(names = "--batch", defaultValue = "32", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--image-size", defaultValue = "32", description = "image height and width (default ${DEFAULT-VALUE})")
    int imageSize;

    @Option(names = "--steps", defaultValue = "1500", description = "training steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", description = "steps before the baseline sample (default: a tenth of --steps, at least 20)")
    Integer warmup;

    @Option(names = "--sample-every", defaultValue = "50", description = "sampling interval in steps (default ${DEFAULT-VALUE})")
    int sampleEvery;

    @Option(names = "--force-gc", description = "run a full garbage collection after every step")
    boolean forceGc;

    @Option(names = "--max-drift", defaultValue = "0.02", description = "largest acceptable RSS drift (default ${DEFAULT-VALUE})")
    double maxDrift;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() {
        int warm = warmup != null ? warmup : Math.min(steps - 1, Math.max(20, steps / 10));
        var options = new Soak.Options(model, mode, batch, imageSize, steps, warm, forceGc);
        if (sampleEvery < 1) {
            throw new IllegalArgumentException("--sample-every must be >= 1, got " + sampleEvery);
        }
        threads.apply();
        Banner.print();
        if (!MemoryMeter.cpuSettingsInEffect()) {
            System.out.println("note: MALLOC_MMAP_THRESHOLD_ is not set, so RSS may keep freed memory; handles are exact either way");
        }
        System.out.printf("soak: %s, %s, batch %d, %dx%d, %d steps (warm-up %d)%s%n", model, options.mode().label(), batch, imageSize,
                imageSize, steps, warm, forceGc ? ", full GC every step" : "");
        long start = System.nanoTime();
        Soak.Result r = Soak.run(options, sampleEvery, s -> System.out.printf("[%6.1fs] step %5d  RSS %8.1f MiB  handles awaiting GC %d%n",
                (System.nanoTime() - start) / 1e9, s.step(), s.residentBytes() / 1048576.0, s.handlesAwaitingCollector()));
        boolean pass = r.residentDrift() <= maxDrift && r.handleGrowth() <= 0;
        System.out.printf("RSS drift after warm-up %+.2f%% (baseline %.1f MiB at step %d); handles awaiting GC %+d; %.0fs: %s%n",
                100 * r.residentDrift(), r.baseline().residentBytes() / 1048576.0, r.baseline().step(), r.handleGrowth(), r.seconds(),
                pass ? "PASS" : "FAIL");
        return pass ? 0 : 1;
    }
}
