package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.revnet.bridge.GlibcMalloc;
import io.github.revnet.bridge.MallocCounter;
import io.github.revnet.bridge.MemoryMeter;
import io.github.revnet.core.DType;
import io.github.revnet.core.Precision;
import io.github.revnet.core.models.ScriptedBlock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measurements in JVMs of their own: the flags every child JVM (JMH fork or probe) gets, and the
 * memory probes, started with the malloc counter preloaded.
 */
public final class Probes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Probes() {
    }

    static final String[] NATIVE_FLAGS = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"};

    /** The flags every child JVM gets: the native ones, and the user's block that defines {@code scripted-dN} models. */
    static String[] childFlags() {
        List<String> flags = new ArrayList<>(List.of(NATIVE_FLAGS));
        flags.addAll(ScriptedBlock.jvmFlags());
        return flags.toArray(String[]::new);
    }

    /**
     * The peak activation memory of {@code model} in each of {@code what} (modes or plans), measured
     * one after another in one {@link MemoryProbe} process; one JSON object per entry, in order.
     */
    public static List<JsonNode> memory(String model, int batch, DType dtype, int imageSize, int threads, List<String> what)
            throws IOException, InterruptedException {
        return memory(model, batch, dtype, Precision.FP32, 0, imageSize, threads, what);
    }

    static List<JsonNode> memory(String model, int batch, DType dtype, Precision precision, int imageSize, int threads, List<String> what)
            throws IOException, InterruptedException {
        return memory(model, batch, dtype, precision, 0, imageSize, threads, what);
    }

    /** As {@link #memory(String, int, DType, int, int, List)}, the model's reversible stacks under {@code precision}. */
    static List<JsonNode> memory(String model, int batch, DType dtype, Precision precision, double dropPath, int imageSize, int threads,
            List<String> what) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(dropPath == 0 ? model : model + "@drop-path=" + dropPath, String.valueOf(batch),
                MemoryProbe.format(dtype, precision),
                String.valueOf(imageSize), String.valueOf(threads)));
        args.addAll(what);
        List<String> lines = run(MemoryProbe.class, args);
        if (lines.size() < what.size()) {
            throw new IllegalStateException("MemoryProbe printed " + lines.size() + " lines for " + what.size() + " readings: " + lines);
        }
        List<JsonNode> out = new ArrayList<>();
        for (int k = 0; k < what.size(); k++) {
            JsonNode node = JSON.readTree(lines.get(lines.size() - what.size() + k));
            if (!node.path("what").asText().equals(what.get(k))) {
                throw new IllegalStateException("MemoryProbe answered " + node + " where " + what.get(k) + " was expected");
            }
            out.add(node);
        }
        return out;
    }

    /**
     * Runs {@code main} in a JVM of its own, started with the malloc counter preloaded (the memory
     * meter's exact and fast CPU path), and returns its output lines; a failure carries the output.
     */
    static List<String> run(Class<?> main, List<String> args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // C1 only and the serial collector: the JIT's C2 arenas and G1's concurrent threads allocate and free beside the
        // measured work, by megabytes (revnet-38 checkpoint readings of 57.4 MB read 48 MB in one of three probes with them);
        // a probe's own Java code does little that C2 would speed up.
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(List.of(childFlags()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // The counter makes the resident-size settings unnecessary, and they would slow every allocation down.
        GlibcMalloc.clearFrom(pb.environment());
        MallocCounter.preloadInto(pb.environment());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(main.getSimpleName() + " " + String.join(" ", args) + " failed:\n" + output);
        }
        return List.of(output.strip().split("\n"));
    }
}
