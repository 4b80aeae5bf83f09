package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;
import io.github.revnet.bridge.Grad;
import io.github.revnet.bridge.NativeScope;
import io.github.revnet.bridge.Torch;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import io.github.revnet.core.Precision;
import io.github.revnet.core.kernels.KernelDefect;
import io.github.revnet.core.kernels.KernelFault;
import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.TorchScriptBlocks;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code audit}: every kernel configuration a model or a block runs, on this CPU's production kernels against float64. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"Audit the kernels a model (or your own block) runs, on this CPU: every convolution configuration it meets "
            + "(channels, kernel, stride, groups, padding, size, layout) and every linear layer's product, forward (with "
            + "and without a graph) and both gradients, in float32 or bfloat16 on LibTorch's production kernels, against "
            + "LibTorch's float64 kernels on the same values, element by element within a rounding bound. Prints, per "
            + "configuration, the verdict of the route it was given (before routing) and the route it runs on (after).",
            "Exits 0 when every kernel runs on a right route, 1 when one is right on none (LibTorch's defect)."},
        footer = {"", "Examples: ./revnet audit --model revnet-38",
                "          ./revnet audit --model revnet-110 --precision bf16 --batch 32",
                "          ./revnet audit --f f.pt --g g.pt --shape 4,48,16,16 --plant padding-lanes",
                "", "How the bound is derived and what was found: docs/kernels.md"})
final class AuditCommand implements Callable<Integer> {
    @Option(names = "--model", description = "a model of ./revnet models")
    String model;

    @Option(names = "--f", description = "F of your own block: a TorchScript file; needs --g and --shape")
    Path f;

    @Option(names = "--g", description = "G of your own block: a TorchScript file")
    Path g;

    @Option(names = "--shape", description = "input shape of your block's stack: N,C,H,W or B,T,2D")
    String shape;

    @Option(names = "--coupling", defaultValue = "additive", converter = Converters.Couplings.class,
            completionCandidates = Converters.Couplings.class, description = "with --f/--g: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Coupling coupling;

    @Option(names = "--batch", defaultValue = "8", description = "with --model: batch size (default ${DEFAULT-VALUE}); kernels are chosen by shape")
    int batch;

    @Option(names = "--image-size", description = "with --model: input height and width (default: the model's)")
    Integer imageSize;

    @Option(names = "--precision", defaultValue = "fp32", converter = Converters.Precisions.class,
            completionCandidates = Converters.Precisions.class,
            description = "with --model: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}); bf16 audits the bfloat16 kernels autocast runs")
    Precision precision;

    @Option(names = "--plant", converter = Converters.KernelFaults.class, completionCandidates = Converters.KernelFaults.class,
            description = "plant a kernel fault into the routed convolutions, to see the audit catch it: ${COMPLETION-CANDIDATES}")
    KernelFault plant;

    @Option(names = "--json", description = "also write the decisions and every audit as JSON to this file")
    Path json;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    /** What --json holds. */
    record AuditReport(String subject, String cpu, String libtorch, int threads, String plantedFault, List<KernelRouting.Decision> decisions,
            boolean pass, String defect) {
    }

    @Override
    public Integer call() throws Exception {
        boolean block = f != null || g != null || shape != null;
        if (block == (model != null)) {
            throw new IllegalArgumentException(block ? "give either --model or --f/--g/--shape, not both" : "missing --model (or --f, --g and --shape)");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (imageSize != null && imageSize < 1) {
            throw new IllegalArgumentException("--image-size must be >= 1, got " + imageSize);
        }
        if (block && precision != Precision.FP32) {
            throw new IllegalArgumentException("--precision applies to --model only; a block is audited in float32");
        }
        OutputPaths.file("--json", json);
        long[] dims = block ? ScriptedBlockCheck.parseShape(requireBlock()) : null;
        threads.apply();
        Banner.print();
        String subject = block ? f.getFileName() + "+" + g.getFileName() + " " + shape : model + ", batch " + batch;
        System.out.println("auditing the kernels of " + subject + (plant == null ? "" : ", planted fault: " + plant.description()));
        long start = System.nanoTime();
        String defect = null;
        try (AutoCloseable planted = plant == null ? () -> { } : plant.plant()) {
            KernelRouting.forget();
            try {
                if (block) {
                    TorchScriptBlocks.of(f, g).validate(dims, DType.FLOAT32, coupling);
                } else {
                    runModel();
                }
            } catch (KernelDefect e) {
                defect = e.getMessage();
            }
            List<KernelRouting.Decision> decisions = KernelRouting.decisions();
            KernelTable.print(System.out, decisions);
            boolean pass = defect == null && decisions.stream().allMatch(KernelRouting.Decision::right);
            long rerouted = decisions.stream().filter(d -> !d.asGiven()).count();
            System.out.printf("%d kernel configurations audited, %d rerouted, %s in %.1fs%n", decisions.size(), rerouted,
                    pass ? "every one runs on a right route: PASS" : "FAIL: " + defect, (System.nanoTime() - start) / 1e9);
            if (json != null) {
                Json.write(json, new AuditReport(subject, Environment.cpuModel(), Environment.libtorchVersion(), Torch.threads(),
                        plant == null ? null : plant.label(), decisions, pass, defect));
                System.out.println("wrote " + json);
            }
            return pass ? 0 : 1;
        }
    }

    private String requireBlock() {
        if (f == null || g == null || shape == null) {
            throw new IllegalArgumentException("your own block needs all of --f, --g and --shape; missing: " + (f == null ? "--f " : "")
                    + (g == null ? "--g " : "") + (shape == null ? "--shape" : "").trim());
        }
        return shape;
    }

    /** One training-mode forward and backward and one evaluation forward: every kernel the model's steps run meets the routing. */
    private void runModel() {
        try (Model m = Model.create(model, ModelOptions.defaults().dtype(DType.FLOAT32).precision(precision)); NativeScope scope = NativeScope.open()) {
            int size = imageSize != null ? imageSize : m.spec().defaultImageSize();
            Torch.seed(1);
            Tensor x = m.randomInput(batch, size);
            Tensor labels = m.randomLabels(batch);
            m.loss(m.forward(x, Mode.STORED), labels).backward();
            m.network().train(false);
            Grad.off(() -> m.forward(x, Mode.STORED));
            m.network().train(true);
        }
    }
}
