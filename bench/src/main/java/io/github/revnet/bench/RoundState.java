package io.github.revnet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.profile.Phase;
import io.github.revnet.core.profile.PhaseClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * One model, its optimizer and a fixed batch, shared by every mode, and the schedule that
 * interleaves the modes: measurement iteration i runs {@code modes[(i + i / M) % M]} for M modes,
 * so each round of M iterations times every mode once, back to back, in an order rotated from the
 * round before. Warm-up iterations follow the same schedule. Each measured iteration's mode and
 * phase breakdown (per step, when an iteration times {@link #stepsPerSample} steps) are appended to
 * {@link #phasesFile} as one JSON line, in iteration order.
 */
@State(Scope.Thread)
public class RoundState {
    @Param({"revnet-38"})
    public String model;

    @Param({"stored,reversible,checkpoint"})
    public String modes;

    @Param({"32"})
    public int batch;

    @Param({"float32"})
    public String dtype;

    /** The precision policy's label ({@code Precision}): fp32, bf16 or bf16-pure. */
    @Param({"fp32"})
    public String precision;

    @Param({"32"})
    public int imageSize;

    /** Drop-path of the reversible transformers' F and G (0: none). */
    @Param({"0"})
    public double dropPath;

    @Param({"0"})
    public int threads;

    @Param({""})
    public String phasesFile;

    /** Steps timed per sample (per JMH iteration); the sample's time and phases are divided by it. */
    @Param({"1"})
    public int stepsPerSample;

    StepRig rig;
    Mode current;
    PhaseClock.Breakdown lastBreakdown;
    private List<Mode> schedule;
    private int warmups;
    private int measured;
    private final List<String> lines = new ArrayList<>();

    /** The mode that iteration {@code index} of a schedule over {@code modeCount} modes runs, as an index into the modes. */
    static int modeAt(int index, int modeCount) {
        return (index + index / modeCount) % modeCount;
    }

    @Setup(Level.Trial)
    public void build() {
        Torch.setThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        schedule = new ArrayList<>();
        for (String m : modes.split(",")) {
            schedule.add(Mode.parse(m.strip()));
        }
        rig = new StepRig(model, DType.parse(dtype), io.github.revnet.core.Precision.parse(precision), dropPath, batch, imageSize);
    }

    @Setup(Level.Iteration)
    public void nextMode(IterationParams iteration) {
        int index = iteration.getType() == IterationType.WARMUP ? warmups++ : measured++;
        current = schedule.get(modeAt(index, schedule.size()));
    }

    @TearDown(Level.Iteration)
    public void recordPhases(IterationParams iteration) {
        if (iteration.getType() != IterationType.MEASUREMENT) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("mode", current.label());
        line.put("total_ms", lastBreakdown.totalMillis() / stepsPerSample);
        Map<String, Double> phases = new LinkedHashMap<>();
        for (Phase p : Phase.values()) {
            phases.put(p.label(), lastBreakdown.millis(p) / stepsPerSample);
        }
        line.put("phases_ms", phases);
        line.put("foreign_calls", lastBreakdown.foreignCalls());
        try {
            lines.add(new ObjectMapper().writeValueAsString(line));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (!phasesFile.isEmpty()) {
            Files.write(Path.of(phasesFile), lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        rig.close();
    }
}
