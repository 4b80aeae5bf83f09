package io.github.revnet.bridge;

/** Run by {@link MemoryMeterTest} in a JVM started without the allocator setting: prints whether the meter refused. */
public final class MemoryMeterRefusalProbe {
    private MemoryMeterRefusalProbe() {
    }

    public static void main(String[] args) {
        try {
            MemoryMeter.Reading reading = MemoryMeter.measureCpu(() -> { });
            System.out.println("measured " + reading.peakBytes());
        } catch (IllegalStateException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
