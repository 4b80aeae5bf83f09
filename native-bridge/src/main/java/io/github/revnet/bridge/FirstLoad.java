package io.github.revnet.bridge;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * Puts all of LibTorch's native files into JavaCPP's cache before the first of them is loaded.
 *
 * <p>Why: the presets list their libraries as {@code c10, torch, torch_cpu}, and JavaCPP extracts
 * and loads them one at a time in that order. On a first run (an empty cache) {@code libtorch.so}
 * is loaded while {@code libtorch_cpu.so} is not yet beside it, so its {@code $ORIGIN} run path
 * finds nothing and the dynamic linker takes the system's copy: with Debian's python3-torch
 * installed that is LibTorch 1.13, and the JVM aborts in {@code pthread_mutex_lock}. Once every
 * file of the folder is in the cache, {@code $ORIGIN} finds the bundled copies whatever the order.
 *
 * <p>Whatever touches {@code org.bytedeco.pytorch} first must come after {@link #prepare()}. The
 * harness's entry points call it ({@link Torch#ensureLoaded()}, the command line's {@code main});
 * {@link FirstLoadListener} calls it before any JUnit or jqwik test class is loaded; and
 * {@link FirstLoadAgent} ({@code -javaagent:native-bridge.jar}) calls it before any other code of
 * a JVM runs, for programs whose first statement is a preset call.
 */
public final class FirstLoad {
    private static volatile File[] files;

    private FirstLoad() {
    }

    /**
     * Extracts LibTorch's native folder into JavaCPP's cache (idempotent, and cheap once done: JavaCPP
     * compares sizes and times). Loads nothing: a class literal does not initialise the presets.
     */
    public static File[] prepare() {
        File[] done = files;
        if (done == null) {
            synchronized (FirstLoad.class) {
                done = files;
                if (done == null) {
                    files = done = extract();
                }
            }
        }
        return done.clone();
    }

    private static File[] extract() {
        String folder = "/org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
        try {
            File[] extracted = Loader.cacheResources(torch.class, folder);
            if (extracted == null || extracted.length == 0) {
                throw new IllegalStateException("no LibTorch natives found at " + folder + " on the class path: add"
                        + " org.bytedeco:pytorch with the classifier " + Loader.getPlatform());
            }
            return extracted;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract LibTorch's natives into JavaCPP's cache (" + e.getMessage()
                    + "); set -Dorg.bytedeco.javacpp.cachedir to a writable folder", e);
        }
    }
}
