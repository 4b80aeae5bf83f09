package io.github.revnet.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The planner's results for people: the plans as a table and time against memory as a chart. */
public final class PlanReport {
    private PlanReport() {
    }

    /** The plans as a table, fastest first, the chosen one and the Pareto front marked. */
    public static String table(MemoryPlanner.Outcome o) {
        StringBuilder sb = new StringBuilder(String.format("%-40s %12s %14s  %s%n", "plan (stack modes, in order)", "step ms", "peak MiB", ""));
        o.candidates().stream().sorted(Comparator.comparingDouble(MemoryPlanner.Candidate::stepMs)).forEach(c -> sb.append(String.format(
                "%-40s %12.1f %14.1f  %s%n", c.plan(), c.stepMs(), c.peakBytes() / 1048576.0, (c.equals(o.chosen()) ? "chosen " : "")
                        + (c.paretoOptimal() ? "pareto" : ""))));
        sb.append(String.format("budget %s: chose %s, %.1f ms per step, peak %s when planned, %s measured again in a fresh process: %s%n",
                ByteSize.mib(o.options().budgetBytes()), o.chosen().plan(), o.chosen().stepMs(), ByteSize.mib(o.chosen().peakBytes()), ByteSize.mib(o.verifiedPeakBytes()),
                o.meetsBudget() ? "within the budget" : "OVER the budget"));
        return sb.toString();
    }

    /** Time against memory for every plan, the Pareto front joined, the budget and the choice marked. */
    public static void chart(MemoryPlanner.Outcome o, Path file) throws IOException {
        chart(o.options(), o.candidates(), o.chosen(), file);
    }

    /** Time against memory for every plan, the Pareto front joined; the budget and {@code chosen} marked unless it is null. */
    public static void chart(MemoryPlanner.Options o, List<MemoryPlanner.Candidate> all, MemoryPlanner.Candidate chosen, Path file) throws IOException {
        XYChart chart = ChartStyle.lines("Plans for " + o.model() + ", batch " + o.batch() + ": step time against peak activation memory",
                "peak activation memory (MiB, measured)", "step time (ms, median)", org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.addSeries("every plan", all.stream().map(c -> c.peakBytes() / 1048576.0).toList(), all.stream().map(MemoryPlanner.Candidate::stepMs).toList())
                .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        List<MemoryPlanner.Candidate> front = all.stream().filter(MemoryPlanner.Candidate::paretoOptimal).sorted(Comparator.comparingLong(MemoryPlanner.Candidate::peakBytes)).toList();
        chart.addSeries("Pareto front", front.stream().map(c -> c.peakBytes() / 1048576.0).toList(), front.stream().map(MemoryPlanner.Candidate::stepMs)
                .toList());
        if (chosen != null) {
            double lo = all.stream().mapToDouble(MemoryPlanner.Candidate::stepMs).min().orElse(0);
            double hi = all.stream().mapToDouble(MemoryPlanner.Candidate::stepMs).max().orElse(1);
            chart.addSeries("budget", new double[] {o.budgetBytes() / 1048576.0, o.budgetBytes() / 1048576.0}, new double[] {lo, hi})
                    .setMarker(SeriesMarkers.NONE);
            chart.addSeries("chosen: " + chosen.plan(), new double[] {chosen.peakBytes() / 1048576.0}, new double[] {chosen.stepMs()})
                    .setMarker(SeriesMarkers.DIAMOND);
        }
        ChartStyle.save(chart, file);
    }

}
