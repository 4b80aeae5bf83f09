package io.github.revnet.firstload;

import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.RandomStream;
import io.github.revnet.cli.RevnetCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The main of a fresh JVM started by {@link FirstLoadRoutesTest}: enters LibTorch by one route and,
 * at exit, lists the LibTorch files the process mapped. Nothing here touches the presets before
 * the route does.
 */
public final class FirstLoadProbe {
    private FirstLoadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(FirstLoadProbe::printMappedLibraries));
        Route route = Route.valueOf(args[0]);
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (route) {
            case PRESETS -> {
                TensorOptions options = new TensorOptions(torch.ScalarType.Double);
                System.out.println("sum=" + torch.ones(new long[] {3}, options).sum().item_double());
            }
            case SCOPE -> {
                try (NativeScope scope = NativeScope.open()) {
                    Tensor t = torch.ones(3);
                    System.out.println("sum=" + t.sum().item_double());
                }
            }
            case RANDOM_STREAM -> {
                RandomStream.seeded(1).reseed(2);
                System.out.println("sum=" + torch.ones(3).sum().item_double());
            }
            case JUNIT -> runJUnit(rest[0], true);
            case JUNIT_WITHOUT_LISTENER -> runJUnit(rest[0], false);
            case CLI -> RevnetCli.main(rest);
            default -> throw new IllegalArgumentException(route.name());
        }
    }

    /** How a JVM first reaches LibTorch. */
    public enum Route {
        /** a program whose first statement is a preset call (with or without -javaagent) */
        PRESETS,
        /** the harness's scope, then a preset call */
        SCOPE,
        /** the harness's random stream, then a preset call */
        RANDOM_STREAM,
        /** the JUnit Platform launcher over a test class whose static initialiser calls the presets */
        JUNIT,
        /** the same, with the launcher's session listeners (FirstLoadListener among them) not registered */
        JUNIT_WITHOUT_LISTENER,
        /** the command line's main */
        CLI
    }

    private static void runJUnit(String testClass, boolean sessionListeners) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(testClass))
                .configurationParameter("jqwik.tries.default", "1")
                .configurationParameter("jqwik.database", "")
                .configurationParameter("jqwik.failures.runfirst", "false")
                .build();
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder()
                .enableLauncherSessionListenerAutoRegistration(sessionListeners).build());
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(request, summary);
        TestExecutionSummary s = summary.getSummary();
        System.out.println("tests succeeded=" + s.getTestsSucceededCount() + " failed=" + s.getTestsFailedCount());
        s.getFailures().forEach(f -> System.out.println("failure: " + f.getTestIdentifier().getDisplayName() + ": " + f.getException()));
        System.exit(s.getTestsSucceededCount() > 0 && s.getTotalFailureCount() == 0 ? 0 : 1);
    }

    private static void printMappedLibraries() {
        try {
            Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                    .filter(file -> file.contains("libtorch") || file.contains("libc10"))
                    .distinct()
                    .forEach(file -> System.out.println("mapped=" + file));
        } catch (IOException e) {
            System.out.println("maps unreadable: " + e);
        }
    }
}
