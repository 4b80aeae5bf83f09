package io.github.revnet.cli;

import io.github.revnet.core.models.Model;
import io.github.revnet.core.models.ModelOptions;
import io.github.revnet.core.models.ModelSpec;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Lists the model zoo with parameter counts next to the papers'. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the model zoo: architecture and parameter count next to the paper's.")
final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("%-12s %-7s %-10s %-15s %-28s %10s %10s%n", "model", "family", "function", "units", "widths", "params", "paper");
        for (String name : ModelSpec.names()) {
            try (Model model = Model.create(name, ModelOptions.defaults())) {
                ModelSpec s = model.spec();
                ModelSpec.Transformer t = s.transformer();
                String function = t != null ? "attn+mlp" : s.kind().name().toLowerCase();
                String units = t != null ? t.depth() + " blocks" : java.util.Arrays.toString(s.units());
                String widths = t != null ? String.format("D=%d, %d heads, %d tokens", t.width(), t.heads(), t.tokens())
                        : java.util.Arrays.toString(s.widths());
                String paper = Double.isNaN(s.paperParamsMillions()) ? "-" : String.format("%.2fM", s.paperParamsMillions());
                System.out.printf("%-12s %-7s %-10s %-15s %-28s %9.3fM %10s%n", s.name(), s.family().name().toLowerCase(), function,
                        units, widths, model.parameterCount() / 1e6, paper);
            }
        }
        return 0;
    }
}
