package io.github.revnet.cli;

import io.github.revnet.gate.GateRunner;
import io.github.revnet.gate.GateSummary;
import java.util.List;

/**
 * What {@code fuzz --json} writes: every property's outcome (tries, checks, the seed that reproduces its cases, and for a
 * failure the message and the shrunk sample), the gate's summary per check and dtype, and the verdict.
 */
record FuzzVerdict(String block, List<Long> shape, String coupling, int triesPerProperty, int properties, int failed,
        List<GateRunner.PropertyOutcome> outcomes, List<GateSummary.Row> summary, String libtorch, double seconds, boolean pass) {
}
