package io.github.revnet.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What {@code check --json} writes, for a zoo model and for a user's block alike, so that a CI job reads one schema.
 * A number the check did not measure is null: a user's block has no per-tensor list and no single tolerance (the gate
 * derives one per check and case); a zoo model has no gate case and no per-check list. The angles to float64 are each
 * mode's angle to a float64 twin's gradient (null in float64).
 */
record CheckVerdict(String model, String dtype, String precision, Integer batch, Integer imageSize, List<Long> shape, long seed, Double dropout,
        String coupling, Double tolerance, Double inverseMaxAbsError, Double maxRelativeGradError, Double checkpointMaxRelativeGradError,
        Double inputRelativeGradError, Double gradAngleDegrees, Double storedAngleToFloat64Degrees, Double reversibleAngleToFloat64Degrees,
        Double runningStatsMaxAbsDiff, List<ParameterError> parameters,
        @JsonProperty("case") String gateCase, List<CheckOutcome> checks, String libtorch, boolean pass) {

    /** One parameter tensor's relative gradient error, reversible against stored. */
    record ParameterError(String name, double relativeError) {
    }

    /** One of the gate's checks on a user's block: passed or not, its worst measured error (null if it measures none), the failure. */
    record CheckOutcome(String check, boolean pass, Double worst, String message) {
    }
}
