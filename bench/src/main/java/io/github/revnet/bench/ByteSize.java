package io.github.revnet.bench;

/** Byte counts as people write and read them: "300MiB" in, "300.0 MiB" out. */
public final class ByteSize {
    private ByteSize() {
    }

    /** Parses "300MiB", "1.5GiB", "512MB", "2000000" (bytes). */
    public static long parse(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(b|kib|mib|gib|kb|mb|gb)?\\s*")
                .matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("a budget is a number with an optional unit (B, KiB, MiB, GiB, KB, MB, GB), got '" + text + "'");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase();
        double scale = switch (unit) {
            case "kib" -> 1024;
            case "mib" -> 1024 * 1024;
            case "gib" -> 1024.0 * 1024 * 1024;
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            default -> 1;
        };
        return (long) (value * scale);
    }

    /** {@code bytes} in MiB with one decimal. */
    public static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
