package io.github.revnet.bridge;

import java.lang.instrument.Instrumentation;

/**
 * {@code java -javaagent:native-bridge.jar ...}: runs {@link FirstLoad#prepare()} before the
 * program's {@code main}, for programs (or JShell sessions, {@code -R-javaagent:...}) whose first
 * statement touches {@code org.bytedeco.pytorch} before any harness class. It transforms nothing.
 */
public final class FirstLoadAgent {
    private FirstLoadAgent() {
    }

    public static void premain(String arguments, Instrumentation instrumentation) {
        FirstLoad.prepare();
    }

    /** For {@code Launcher-Agent-Class} in an executable jar's manifest. */
    public static void agentmain(String arguments, Instrumentation instrumentation) {
        FirstLoad.prepare();
    }
}
