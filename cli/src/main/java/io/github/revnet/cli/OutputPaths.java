package io.github.revnet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output locations checked before any work starts, so a long run never ends in a stack trace
 * because its result cannot be written. Each check writes and removes a probe file, which is the
 * only test that /proc, read-only mounts and permission quirks cannot fool.
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /** A file the command will write: its folder must exist and accept files, and the path must not be a folder. */
    static Path file(String option, Path file) {
        if (file == null) {
            return null;
        }
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(option + " " + file + " is a folder, not a file");
        }
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + file + ": folder " + folder + " does not exist");
        }
        if (Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new IllegalArgumentException(option + " " + file + " exists and is not writable");
        }
        probe(option, file, folder);
        return file;
    }

    /** A folder the command will write into: created when missing, and it must accept files. */
    static Path folder(String option, Path folder) {
        if (folder == null) {
            return null;
        }
        Path absolute = folder.toAbsolutePath();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(option + " " + folder + " exists and is not a folder");
        }
        try {
            Files.createDirectories(absolute);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(option + " " + folder + ": cannot create the folder (" + describe(e) + ")");
        }
        probe(option, folder, absolute);
        return folder;
    }

    private static void probe(String option, Path given, Path folder) {
        try {
            Files.delete(Files.createTempFile(folder, ".revnet-write-check", ".tmp"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(option + " " + given + ": cannot write in " + folder + " (" + describe(e) + ")");
        }
    }

    private static String describe(Exception e) {
        String name = e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }
}
