package io.github.revnet.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs a gate's jqwik property container from code, e.g. a {@link ReversibleBlockProperties}
 * subclass, with a given number of tries, and collects what failed with jqwik's report (the
 * shrunk sample and the seed that reproduces it).
 */
public final class GateRunner {
    private GateRunner() {
    }

    /** A property that failed: its name, the assertion's message, and jqwik's report with the shrunk sample. */
    public record Failure(String property, String message, String report) {
    }

    /** The outcome: properties run, and the failures. */
    public record Result(int properties, List<Failure> failures) {
        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /**
     * Runs every property of {@code container} with {@code tries} tries each (jqwik's own failure
     * database off, so a run does not depend on earlier runs), calling {@code progress} with each
     * property's name as it finishes.
     */
    public static Result run(Class<?> container, int tries, java.util.function.Consumer<String> progress) {
        if (tries < 1) {
            throw new IllegalArgumentException("tries must be at least 1, got " + tries);
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(container))
                .configurationParameter("jqwik.tries.default", String.valueOf(tries))
                .configurationParameter("jqwik.database", "")
                .configurationParameter("jqwik.failures.runfirst", "false")
                .configurationParameter("jqwik.reporting.usejunitplatform", "true")
                .build();
        List<Failure> failures = new ArrayList<>();
        int[] properties = {0};
        Map<String, StringBuilder> reports = new java.util.HashMap<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
                StringBuilder report = reports.computeIfAbsent(id.getUniqueId(), k -> new StringBuilder());
                entry.getKeyValuePairs().forEach((k, v) -> report.append(v).append('\n'));
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    return;
                }
                properties[0]++;
                progress.accept(id.getDisplayName() + ": " + result.getStatus());
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    String message = result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("(no message)");
                    StringBuilder report = reports.getOrDefault(id.getUniqueId(), new StringBuilder());
                    failures.add(new Failure(id.getDisplayName(), message, report.toString()));
                }
            }
        });
        return new Result(properties[0], failures);
    }
}
