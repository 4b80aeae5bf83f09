package io.github.revnet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.data.FashionMnist;
import io.github.revnet.core.data.TrainingComparison;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training on real data: one mode, or stored against reversible from the same start. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a RevNet on Fashion-MNIST (Debian's dataset-fashion-mnist), in one mode, or with --compare in stored and",
                "reversible mode from the same initialisation and data order, recording both losses every step and the angle",
                "between stored and reconstructed gradients at sampled steps."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "only fashion-mnist (default)")
    String dataset;

    @Option(names = "--data", description = "folder with the IDX files (default " + "/usr/share/datasets/fashion-mnist)")
    Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--model", defaultValue = "revnet-38", description = "a revnet-* model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--mode", defaultValue = "reversible", description = "stored, reversible or checkpoint (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--compare", description = "train stored and reversible side by side and compare")
    boolean compare;

    @Option(names = "--steps", defaultValue = "2000", description = "optimizer steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "128", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "0", description = "seed of initialisation and data order (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate, momentum 0.9, weight decay 1e-4 (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--angle-every", defaultValue = "100", description = "gradient-angle sampling interval in steps (default ${DEFAULT-VALUE})")
    int angleEvery;

    @Option(names = "--train-limit", defaultValue = "60000", description = "use only the first N training images")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "10000", description = "evaluate on the first N test images")
    int testLimit;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64 (default ${DEFAULT-VALUE})")
    String dtype;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--json", description = "write the result as JSON to this file")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (!dataset.equals("fashion-mnist")) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "': only fashion-mnist is supported");
        }
        if (!FashionMnist.isInstalled(data)) {
            throw new IllegalArgumentException("Fashion-MNIST not found in " + data + ": apt-get install dataset-fashion-mnist, or pass --data DIR");
        }
        threads.apply();
        System.out.println(Torch.describe());
        FashionMnist mnist = FashionMnist.load(data);
        var options = new TrainingComparison.Options(model, steps, batch, seed, lr, angleEvery, trainLimit, testLimit, DType.parse(dtype));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("steps", steps);
        out.put("batch", batch);
        out.put("seed", seed);
        out.put("learning_rate", lr);
        if (compare) {
            TrainingComparison.Outcome o = TrainingComparison.run(mnist, options, System.out::println);
            System.out.printf("test accuracy stored %.4f  reversible %.4f  (difference %.2f points); max gradient angle %.3e degrees; %.0fs%n",
                    o.stored().testAccuracy(), o.reversible().testAccuracy(),
                    100 * Math.abs(o.stored().testAccuracy() - o.reversible().testAccuracy()), o.maxGradAngleDegrees(), o.seconds());
            out.put("stored", run(o.stored()));
            out.put("reversible", run(o.reversible()));
            out.put("max_grad_angle_degrees", o.maxGradAngleDegrees());
            out.put("seconds", o.seconds());
            List<Map<String, Object>> curve = new ArrayList<>();
            for (TrainingComparison.Point p : o.curve()) {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("step", p.step());
                point.put("stored_loss", p.storedLoss());
                point.put("reversible_loss", p.reversibleLoss());
                if (p.gradAngleDegrees() != null) {
                    point.put("grad_angle_degrees", p.gradAngleDegrees());
                }
                curve.add(point);
            }
            out.put("curve", curve);
        } else {
            Mode m = Mode.parse(mode);
            TrainingComparison.Run r = TrainingComparison.single(mnist, options, m, System.out::println);
            System.out.printf("%s: test accuracy %.4f, final loss %.4f%n", m.label(), r.testAccuracy(), r.finalLoss());
            out.put("mode", m.label());
            out.put(m.label(), run(r));
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private static Map<String, Object> run(TrainingComparison.Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test_accuracy", r.testAccuracy());
        m.put("final_loss", r.finalLoss());
        return m;
    }
}
