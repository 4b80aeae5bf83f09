package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;

/** The environment line a computing command prints before it starts; with --verbose, the CUDA runtime's facts too. */
final class Banner {
    private static volatile boolean verbose;

    private Banner() {
    }

    /** Set from the parsed command line before a command runs. */
    static void verbose(boolean value) {
        verbose = value;
    }

    static void print() {
        System.out.println(Environment.describe());
        if (verbose) {
            System.out.println(Environment.describeCuda());
        }
    }
}
