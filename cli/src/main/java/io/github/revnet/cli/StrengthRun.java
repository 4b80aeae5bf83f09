package io.github.revnet.cli;

import io.github.revnet.bridge.Environment;
import io.github.revnet.core.DType;
import io.github.revnet.core.reversible.Coupling;
import io.github.revnet.gate.BlockGate;
import io.github.revnet.gate.GateCase;
import io.github.revnet.gate.GateStrength;
import io.github.revnet.gate.Generators;
import io.github.revnet.gate.PlantedFault;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitrary;

/** {@code fuzz --strength}: the gate's detection rate per planted fault, on a user's block or the harness's own families. */
final class StrengthRun {
    private final Path f;
    private final Path g;
    private final String shape;
    private final Coupling coupling;
    private final int cases;
    private final long seed;
    private final Path json;

    StrengthRun(Path f, Path g, String shape, Coupling coupling, int cases, long seed, Path json) {
        this.f = f;
        this.g = g;
        this.shape = shape;
        this.coupling = coupling;
        this.cases = cases;
        this.seed = seed;
        this.json = json;
    }

    int run(ThreadsOption threads) throws IOException {
        Arbitrary<GateCase> generated;
        String name;
        if (f != null || g != null || shape != null) {
            BlockGate gate = ScriptedBlockCheck.gateOf(f, g, shape, DType.FLOAT64, coupling).depths(1, 4);
            generated = gate.cases();
            name = gate.name();
        } else {
            generated = Generators.gateCases();
            name = "the harness's convolutional and transformer stacks";
        }
        threads.apply();
        System.out.printf("gate strength over %s: %d generated cases, seed %d, %d planted faults in reversible and checkpoint mode%n",
                name, cases, seed, PlantedFault.values().length);
        long start = System.nanoTime();
        int every = Math.max(1, cases / 20);
        int[] done = {0};
        GateStrength.Campaign campaign = GateStrength.campaign(generated, cases, seed, EnumSet.allOf(PlantedFault.class), line -> {
            if (++done[0] % every == 0 || done[0] == cases) {
                System.out.printf("  [%6.1fs] %s%n", (System.nanoTime() - start) / 1e9, line);
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        List<GateStrength.Row> rows = campaign.table();
        System.out.println();
        System.out.println(table(rows));
        for (PlantedFault fault : PlantedFault.values()) {
            System.out.printf("  %-24s %s%n", fault.label(), fault.description());
        }
        for (String alarm : campaign.falseAlarms()) {
            System.out.println("FALSE ALARM " + alarm);
        }
        System.out.printf("%d cases in %.1fs; %d false alarms on intact passes%n", cases, seconds, campaign.falseAlarms().size());
        if (json != null) {
            Json.write(json, new StrengthVerdict(name, cases, seed, rows, campaign.falseAlarms(), campaign.misses(), campaign.illConditioned(), campaign.tensors(), Environment.libtorchVersion(),
                    seconds));
            System.out.println("wrote " + json);
        }
        return campaign.falseAlarms().isEmpty() ? 0 : 1;
    }

    /** The detection table as Markdown: rate over the cases where the fault had an effect and the gate decided. */
    static String table(List<GateStrength.Row> rows) {
        StringBuilder md = new StringBuilder(
                "| fault | dtype | mode | caught | rate | no effect | n/a | ill-conditioned | caught by |\n|---|---|---|---|---|---|---|---|---|\n");
        for (GateStrength.Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d / %d | %s | %d | %d | %d | %s |%n", r.fault().label(), r.dtype().label(),
                    r.mode().name().toLowerCase(Locale.ROOT), r.caught(), r.caught() + r.missed(),
                    Double.isNaN(r.rate()) ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * r.rate()), r.noEffect(), r.notApplicable(),
                    r.illConditioned(), r.caughtBy().entrySet().stream().map(e -> e.getKey().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                            + " " + e.getValue()).collect(Collectors.joining(", "))));
        }
        return md.toString();
    }
}
