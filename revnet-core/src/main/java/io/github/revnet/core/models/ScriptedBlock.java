package io.github.revnet.core.models;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A user's TorchScript block for the {@code scripted-dN} models: the F and G files and the channel
 * count of the stack. Benchmark forks and memory probes rebuild a model from its name in a JVM of
 * their own, so the block travels to them as system properties ({@link #jvmFlags}); in the process
 * that chose it, it is {@link #use}d directly.
 */
public record ScriptedBlock(Path f, Path g, int channels) {
    private static final String F = "revnet.scripted.f";
    private static final String G = "revnet.scripted.g";
    private static final String CHANNELS = "revnet.scripted.channels";

    private static volatile ScriptedBlock current;

    public ScriptedBlock {
        f = f.toAbsolutePath();
        g = g.toAbsolutePath();
        if (channels < 2 || channels % 2 != 0) {
            throw new IllegalArgumentException("a scripted block needs an even channel count >= 2, got " + channels);
        }
    }

    /** Makes {@code block} the one {@code scripted-dN} models of this process (and the JVMs it starts) are built from. */
    public static void use(ScriptedBlock block) {
        current = block;
    }

    /** The block in use here: set by {@link #use}, or in a child JVM received through {@link #jvmFlags}. */
    public static Optional<ScriptedBlock> inUse() {
        ScriptedBlock block = current;
        if (block != null) {
            return Optional.of(block);
        }
        String f = System.getProperty(F);
        String g = System.getProperty(G);
        String channels = System.getProperty(CHANNELS);
        if (f == null || g == null || channels == null) {
            return Optional.empty();
        }
        return Optional.of(new ScriptedBlock(Path.of(f), Path.of(g), Integer.parseInt(channels)));
    }

    /** The flags that hand the block in use, if any, to a child JVM. */
    public static List<String> jvmFlags() {
        return inUse().map(b -> List.of("-D" + F + "=" + b.f(), "-D" + G + "=" + b.g(), "-D" + CHANNELS + "=" + b.channels()))
                .orElse(List.of());
    }
}
