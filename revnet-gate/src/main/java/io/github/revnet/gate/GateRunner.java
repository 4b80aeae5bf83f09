package io.github.revnet.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * One property's outcome: its name, whether it passed, the generated cases jqwik tried and checked, the seed that
     * reproduces them, and for a failure the assertion's message and the (shrunk) sample, one "parameter: value" each,
     * beside jqwik's whole report. Numbers jqwik did not report are -1, a missing seed is null.
     */
    public record PropertyOutcome(String property, boolean passed, long tries, long checks, String seed, String message,
            List<String> sample, String report) {
        static PropertyOutcome of(String property, boolean passed, String message, String report) {
            return new PropertyOutcome(property, passed, number(report, "tries"), number(report, "checks"),
                    field(report, "seed"), message, sampleOf(report), report);
        }
    }

    /** Kept for callers that read only failures: a failed property's name, message and jqwik's report. */
    public record Failure(String property, String message, String report) {
    }

    /** The outcome of every property, in the order they finished. */
    public record Result(List<PropertyOutcome> outcomes) {
        public int properties() {
            return outcomes.size();
        }

        public List<Failure> failures() {
            return outcomes.stream().filter(o -> !o.passed()).map(o -> new Failure(o.property(), o.message(), o.report())).toList();
        }

        public boolean passed() {
            return outcomes.stream().allMatch(PropertyOutcome::passed);
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
        List<PropertyOutcome> outcomes = new ArrayList<>();
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
                progress.accept(id.getDisplayName() + ": " + result.getStatus());
                boolean passed = result.getStatus() == TestExecutionResult.Status.SUCCESSFUL;
                String message = passed ? null : result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("(no message)");
                String report = reports.getOrDefault(id.getUniqueId(), new StringBuilder()).toString();
                outcomes.add(PropertyOutcome.of(id.getDisplayName(), passed, message, report));
            }
        });
        return new Result(List.copyOf(outcomes));
    }

    /** A "name = value" line of jqwik's report, e.g. "seed = -2370223836702734423   | random seed ...". */
    private static String field(String report, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s*=\\s*(\\S+)").matcher(report);
        return m.find() ? m.group(1) : null;
    }

    private static long number(String report, String name) {
        String value = field(report, name);
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The parameters under "Shrunk Sample" (or "Sample" when nothing shrank), as jqwik prints them. */
    private static List<String> sampleOf(String report) {
        List<String> sample = new ArrayList<>();
        List<String> lines = report.lines().toList();
        int start = -1;
        for (int i = 0; i < lines.size() && start < 0; i++) {
            String line = lines.get(i).trim();
            if ((line.startsWith("Shrunk Sample") || line.startsWith("Sample")) && i + 1 < lines.size() && lines.get(i + 1).trim().startsWith("---")) {
                start = i + 2;
            }
        }
        for (int i = Math.max(start, 0); start >= 0 && i < lines.size() && !lines.get(i).isBlank(); i++) {
            sample.add(lines.get(i).trim());
        }
        return sample;
    }
}
