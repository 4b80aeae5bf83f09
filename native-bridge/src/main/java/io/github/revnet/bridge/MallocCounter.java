package io.github.revnet.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The memory meter's fast CPU path: a small C library ({@code src/main/c/malloc_counter.c}) that,
 * preloaded into a process, counts the bytes malloc has handed out and not taken back, and their
 * peak. A process started through {@link #preloadInto} measures with it; any other falls back to
 * the resident-size method, which needs glibc to unmap freed blocks at once and pays a page fault
 * for every allocation.
 */
public final class MallocCounter {
    static final String LIBRARY = "libmalloccounter.so";
    private static final String PRELOAD = "LD_PRELOAD";

    private static Boolean active;
    private static Path extracted;

    private MallocCounter() {
    }

    /** True when this process was started with the counter preloaded; binds its native methods on the first call. */
    public static synchronized boolean active() {
        if (active == null) {
            active = bind(System.getenv(PRELOAD));
        }
        return active;
    }

    /** Sets {@code LD_PRELOAD} in a child process's environment so that it starts with the counter. */
    public static void preloadInto(Map<String, String> environment) {
        String library = library().toString();
        String existing = environment.get(PRELOAD);
        environment.put(PRELOAD, existing == null || existing.isBlank() ? library : library + ":" + existing);
    }

    /**
     * The library on disk, extracted once from this jar into the temporary folder under a name that
     * carries its content's hash (a rebuilt library never meets a stale file of the same name).
     */
    public static synchronized Path library() {
        if (extracted == null) {
            try (InputStream in = MallocCounter.class.getResourceAsStream(LIBRARY)) {
                if (in == null) {
                    throw new IllegalStateException(LIBRARY + " is missing from native-bridge's classes: it is built by gcc during"
                            + " `mvn package` (exec-maven-plugin); was the build run without gcc?");
                }
                byte[] bytes = in.readAllBytes();
                String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
                Path target = Path.of(System.getProperty("java.io.tmpdir"), "revnet-malloccounter-" + hash + ".so");
                if (!Files.exists(target)) {
                    Path partial = Files.createTempFile(target.getParent(), "revnet-malloccounter", ".part");
                    Files.write(partial, bytes);
                    Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                extracted = target;
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new IllegalStateException("cannot extract " + LIBRARY + ": " + e.getMessage(), e);
            }
        }
        return extracted;
    }

    private static boolean bind(String preload) {
        if (preload == null) {
            return false;
        }
        for (String entry : preload.split("[: ]")) {
            if (entry.endsWith(".so") && Path.of(entry).getFileName().toString().startsWith("revnet-malloccounter")) {
                // The library is already mapped (the loader preloaded it); System.load hands the JVM the same handle,
                // which is what binds the native methods below.
                System.load(Path.of(entry).toAbsolutePath().toString());
                return true;
            }
        }
        return false;
    }

    /** Bytes malloc'd and not yet freed, counted at their usable size. Only while {@link #active()}. */
    static native long liveBytes();

    /** The most {@link #liveBytes()} has been since {@link #resetPeak()}. */
    static native long peakBytes();

    /** Starts a new peak at the current live bytes. */
    static native void resetPeak();
}
