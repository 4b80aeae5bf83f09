package io.github.revnet.cli;

import io.github.revnet.core.Model;
import io.github.revnet.core.ModelOptions;
import io.github.revnet.core.ModelSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Lists the model zoo with parameter counts next to the papers'. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the model zoo: architecture and parameter count next to the paper's.")
final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("%-11s %-7s %-10s %-15s %-24s %10s %10s%n", "model", "family", "function", "units", "widths", "params", "paper");
        for (String name : ModelSpec.names()) {
            try (Model model = Model.create(name, ModelOptions.defaults())) {
                ModelSpec s = model.spec();
                System.out.printf("%-11s %-7s %-10s %-15s %-24s %9.3fM %9.2fM%n", s.name(), s.family().name().toLowerCase(),
                        s.kind().name().toLowerCase(), java.util.Arrays.toString(s.units()), java.util.Arrays.toString(s.widths()),
                        model.parameterCount() / 1e6, s.paperParamsMillions());
            }
        }
        return 0;
    }
}
