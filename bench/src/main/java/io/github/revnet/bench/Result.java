package io.github.revnet.bench;

/** One measured configuration: a model in one mode. Times in milliseconds, memory in bytes; null where not measured. */
public record Result(String model, String mode, int batch, String dtype, int blocks, Timing stepMs, Double forwardMs, Double backwardMs,
        Long peakActivationBytes, Long estimatedActivationBytes, Long params) {

    /** Distribution of a timed quantity over samples. */
    public record Timing(double median, double min, double max, long samples) {
    }

    Result withMemory(long peak, long estimate, long parameterCount) {
        return new Result(model, mode, batch, dtype, blocks, stepMs, forwardMs, backwardMs, peak, estimate, parameterCount);
    }

    Result withPasses(double forward, double backward) {
        return new Result(model, mode, batch, dtype, blocks, stepMs, forward, backward, peakActivationBytes, estimatedActivationBytes, params);
    }
}
