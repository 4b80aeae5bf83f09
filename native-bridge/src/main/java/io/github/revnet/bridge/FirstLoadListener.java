package io.github.revnet.bridge;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Runs {@link FirstLoad#prepare()} when a JUnit Platform session opens, before any test class is
 * discovered or initialised: a test class whose static field is a preset call (a
 * {@code TensorOptions} constant, say) then loads the bundled LibTorch on a first run too. The
 * JUnit launcher finds it through {@code META-INF/services}, so it works for Surefire, IDEs, jqwik
 * containers and the gate's own launcher, in this project and in a user's project that depends on
 * the harness; nothing else ever reads that file.
 */
public final class FirstLoadListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        FirstLoad.prepare();
    }
}
