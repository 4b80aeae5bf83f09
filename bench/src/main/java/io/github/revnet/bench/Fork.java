package io.github.revnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.revnet.core.Mode;
import java.util.List;

/**
 * One JMH fork's samples: the modes of its measured iterations, their per-step times as rounds,
 * their phase lines, the fork's wall time and the part of it spent in measured and warm-up samples.
 */
record Fork(RoundTimes rounds, List<Mode> ran, List<JsonNode> phases, double seconds, double sampledSeconds) {
    /** What the fork spent besides its samples: starting the JVM, building the model. */
    double overheadSeconds() {
        return Math.max(0, seconds - sampledSeconds);
    }
}
