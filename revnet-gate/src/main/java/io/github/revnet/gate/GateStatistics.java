package io.github.revnet.gate;

import net.jqwik.api.JqwikException;
import net.jqwik.api.statistics.Statistics;

/** jqwik's statistics when a check runs inside a property; nothing when it runs elsewhere (the command line's check). */
final class GateStatistics {
    private GateStatistics() {
    }

    static void collect(String label, Object value) {
        try {
            Statistics.label(label).collect(value);
        } catch (JqwikException outsideJqwik) {
            // Not on a jqwik thread: there is no property to attach statistics to.
        }
    }
}
