package io.github.revnet.cli;

import io.github.revnet.gate.GateStrength;
import java.util.List;

/**
 * What {@code fuzz --strength --json} writes: the detection table, the intact passes that failed (false alarms), and for
 * calibration every intact gradient tensor's error against stored mode with its tolerance's ingredients.
 */
record StrengthVerdict(String block, int cases, long seed, List<GateStrength.Row> detection, List<String> falseAlarms, List<GateStrength.Outcome> misses, List<String> illConditioned,
        List<GateStrength.TensorRecord> tensors, String libtorch, double seconds) {
}
