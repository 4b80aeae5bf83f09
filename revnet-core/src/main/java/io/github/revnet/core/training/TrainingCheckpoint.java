package io.github.revnet.core.training;

import io.github.revnet.core.training.Trainer;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A training run's state on disk: each trainer's weights, buffers and momentum, the per-step curve
 * so far, and the settings that identify the run, so that a resumed run continues the same run.
 *
 * <p>Layout: {@code DIR/current/} holds the newest complete checkpoint. A new one is written to
 * {@code DIR/.partial/} and swapped in by renames, so an interrupted save leaves the previous one
 * readable ({@code DIR/previous/} if the swap itself was interrupted).
 */
public final class TrainingCheckpoint {
    private static final String PROPERTIES = "checkpoint.properties";
    private static final String CURVE = "curve.csv";

    /** What a checkpoint restores besides the trainers. */
    public record Saved(int step, double seconds, List<String> curveRows) {
    }

    private final Path dir;

    public TrainingCheckpoint(Path dir) {
        this.dir = java.util.Objects.requireNonNull(dir, "checkpoint directory");
    }

    public Path dir() {
        return dir;
    }

    /** Whether a complete checkpoint exists here. */
    public boolean exists() {
        return newest() != null;
    }

    /** Saves after {@code step}: trainers under their names, the run's identity, elapsed seconds and the curve rows. */
    public void save(Map<String, String> identity, int step, double seconds, Map<String, Trainer> trainers, List<String> curveRows) {
        try {
            Files.createDirectories(dir);
            Path partial = dir.resolve(".partial");
            delete(partial);
            Files.createDirectories(partial);
            for (Map.Entry<String, Trainer> t : trainers.entrySet()) {
                t.getValue().save(partial.resolve(t.getKey() + ".pt"));
            }
            Files.write(partial.resolve(CURVE), curveRows);
            Properties p = new Properties();
            p.putAll(identity);
            p.setProperty("step", String.valueOf(step));
            p.setProperty("seconds", String.valueOf(seconds));
            try (Writer w = Files.newBufferedWriter(partial.resolve(PROPERTIES))) {
                p.store(w, "revnet-harness training checkpoint");
            }
            Path current = dir.resolve("current");
            Path previous = dir.resolve("previous");
            delete(previous);
            if (Files.exists(current)) {
                Files.move(current, previous, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(partial, current, StandardCopyOption.ATOMIC_MOVE);
            delete(previous);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + dir, e);
        }
    }

    /**
     * Restores the newest checkpoint into {@code trainers}, after checking that it was made by a run
     * with the same {@code identity}; throws IllegalArgumentException naming the first difference.
     */
    public Saved load(Map<String, String> identity, Map<String, Trainer> trainers) {
        Path from = newest();
        if (from == null) {
            throw new IllegalArgumentException("no checkpoint to resume in " + dir);
        }
        try {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(from.resolve(PROPERTIES))) {
                p.load(r);
            }
            for (Map.Entry<String, String> e : identity.entrySet()) {
                String saved = p.getProperty(e.getKey());
                if (!e.getValue().equals(saved)) {
                    throw new IllegalArgumentException("checkpoint in " + from + " was made with " + e.getKey() + " = " + saved
                            + ", this run has " + e.getKey() + " = " + e.getValue() + ": use the same settings or another directory");
                }
            }
            for (Map.Entry<String, Trainer> t : trainers.entrySet()) {
                t.getValue().load(from.resolve(t.getKey() + ".pt"));
            }
            return new Saved(Integer.parseInt(p.getProperty("step")), Double.parseDouble(p.getProperty("seconds")),
                    Files.readAllLines(from.resolve(CURVE)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint in " + from, e);
        }
    }

    /** A setting the newest checkpoint was saved with (a key of the run's identity), or null when it has none or none exists. */
    public String setting(String key) {
        Path from = newest();
        if (from == null) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(from.resolve(PROPERTIES))) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint in " + from, e);
        }
        return p.getProperty(key);
    }

    /** The newest checkpoint's file of the trainer saved under {@code name}; throws IllegalArgumentException when there is none. */
    public Path trainerFile(String name) {
        Path from = newest();
        Path file = from == null ? null : from.resolve(name + ".pt");
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no checkpoint of a " + name + " trainer in " + dir);
        }
        return file;
    }

    /** The names of the trainers the newest checkpoint holds, sorted. */
    public List<String> trainerNames() {
        Path from = newest();
        if (from == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(from)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".pt")).map(n -> n.substring(0, n.length() - 3))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint in " + from, e);
        }
    }

    private Path newest() {
        for (String name : new String[] {"current", "previous"}) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate.resolve(PROPERTIES))) {
                return candidate;
            }
        }
        return null;
    }

    private static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
