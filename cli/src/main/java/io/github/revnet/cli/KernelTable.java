package io.github.revnet.cli;

import io.github.revnet.core.kernels.KernelRouting;
import io.github.revnet.core.kernels.KernelVerdict;
import java.io.PrintStream;
import java.util.List;

/** The kernel audit's decisions as the command line prints them. */
final class KernelTable {
    private KernelTable() {
    }

    /** One line per configuration: the given route's verdict (before routing) and what runs (after). */
    static void print(PrintStream out, List<KernelRouting.Decision> decisions) {
        out.printf("  %-44s %-8s %-40s %-12s %s%n", "kernel", "dtype", "as given", "error/bound", "runs on");
        for (KernelRouting.Decision d : decisions) {
            KernelVerdict given = d.audits().get(0);
            String runs = d.asGiven() ? "as given" : d.chosen() + (d.right() ? String.format("  %s", ratio(d.audits().get(d.audits().size() - 1))) : "");
            out.printf("  %-44s %-8s %-40s %-12s %s%n", d.kernel(), d.dtype(), given.route(), ratio(given), runs);
            if (!given.pass()) {
                out.printf("      %s%n", given.findings());
            }
        }
    }

    private static String ratio(KernelVerdict v) {
        double r = v.worstRatio();
        return (Double.isNaN(r) ? "NaN" : String.format("%.3g", r)) + (v.pass() ? "" : " FAIL");
    }

    /** A line per configuration the audit moved off its layout so far, naming LibTorch's defect; nothing when none moved. */
    static void printRerouted(PrintStream out) {
        for (KernelRouting.Decision d : KernelRouting.rerouted()) {
            out.println("  rerouted: " + d.defect() + "; runs on " + d.chosen());
        }
    }
}
