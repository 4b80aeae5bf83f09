package io.github.revnet.core.data;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real-data tests skip where Debian's Fashion-MNIST is missing, except under CI (CI=true), where .ci/run installs it. */
public final class InstalledDataset {
    private InstalledDataset() {
    }

    public static void requireFashionMnist() {
        boolean installed = FashionMnist.isInstalled(FashionMnist.DEBIAN_DIR);
        String why = "Debian's dataset-fashion-mnist is not installed under " + FashionMnist.DEBIAN_DIR + " (.ci/run installs it)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            assertTrue(installed, why);
        } else {
            assumeTrue(installed, why);
        }
    }
}
