package io.github.revnet.bridge;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Run in a fresh JVM by {@link FirstRunLoadingTest}: enters the bridge through the entry point
 * named by the argument ("scope" or "random-stream"), computes, and lists the LibTorch files it mapped.
 */
public final class FirstRunProbe {
    private FirstRunProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("random-stream")) {
            RandomStream stream = RandomStream.seeded(1);
            stream.reseed(2);
        }
        try (NativeScope scope = NativeScope.open()) {
            Tensor t = torch.ones(3);
            System.out.println("sum=" + t.sum().item_double());
        }
        Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .filter(file -> file.contains("libtorch") || file.contains("libc10"))
                .distinct()
                .forEach(file -> System.out.println("mapped=" + file));
    }
}
