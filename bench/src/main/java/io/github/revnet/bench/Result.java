package io.github.revnet.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.github.revnet.core.DType;
import io.github.revnet.core.Mode;
import java.util.List;
import java.util.Map;

/**
 * One measured configuration: a model in one mode. Times in milliseconds, memory in bytes; null
 * where not measured. {@code paired} is this mode's step time over stored mode's in the same
 * rounds (null for stored mode itself); {@code phasesMs} the median time per {@code Phase} of a
 * step; {@code forwardMs} and {@code backwardMs} (stored mode) the medians of forward with loss
 * and of backward, whose ratio k gives the bound (2 + k)/(1 + k).
 */
public record Result(String model, Mode mode, int batch, DType dtype, int blocks, Timing stepMs,
        @JsonProperty("ratio_to_stored") Paired paired,
        Map<String, Double> phasesMs, Double forwardMs, Double backwardMs, Long peakActivationBytes, Long estimatedActivationBytes,
        Long params) {

    /** Distribution of a timed quantity over samples; a sample of {@code stepsPerSample} steps counts as their mean. */
    public record Timing(double median, double min, double max, long samples, int stepsPerSample) {
    }

    /**
     * Per-round ratios to stored mode, every round as measured; the rounds {@link RoundScreen} set
     * aside; the median of the others with its 95% interval; and the half-width the interval had to
     * reach for the row to be decided.
     */
    public record Paired(@JsonProperty("rounds") double[] roundRatios, @JsonProperty("set_aside") List<RoundScreen.Excluded> excluded,
            @JsonUnwrapped MedianInterval ratio, double targetHalfWidth) {

        /** The ratio's interval is within ± the target. */
        @JsonProperty
        public boolean decided() {
            return ratio.relativeHalfWidth() <= targetHalfWidth;
        }
    }

    Result withMemory(long peak, long estimate, long parameterCount) {
        return new Result(model, mode, batch, dtype, blocks, stepMs, paired, phasesMs, forwardMs, backwardMs, peak, estimate,
                parameterCount);
    }
}
