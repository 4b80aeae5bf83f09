package io.github.revnet.gate;

import io.github.revnet.core.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a gate covered and the worst it saw: per check and dtype, the number of cases passed, the
 * number set aside as ill-conditioned (their tolerance would have exceeded the ceiling), and the
 * worst measured error (relative gradient error, inverse error, angle in degrees). One summary per
 * gate name, shared by every container that gates that block.
 */
public final class GateSummary {
    private static final Map<String, GateSummary> BY_NAME = new ConcurrentHashMap<>();

    private final String name;
    private final Map<String, long[]> counts = new TreeMap<>();
    private final Map<String, Double> worst = new TreeMap<>();
    private final Map<String, long[]> setAside = new TreeMap<>();

    private GateSummary(String name) {
        this.name = name;
    }

    /** The summary of the gate called {@code name}. */
    public static GateSummary of(String name) {
        return BY_NAME.computeIfAbsent(name, GateSummary::new);
    }

    /** Records a passed case of {@code check} in {@code dtype} with its measured error (NaN when the check measures none). */
    public synchronized void record(String check, DType dtype, double error) {
        String key = check + ", " + dtype.label();
        counts.computeIfAbsent(key, k -> new long[1])[0]++;
        if (!Double.isNaN(error)) {
            worst.merge(key, error, Math::max);
        }
    }

    /** Records a case of {@code check} in {@code dtype} that was set aside as ill-conditioned: neither passed nor failed. */
    public synchronized void recordSetAside(String check, DType dtype) {
        String key = check + ", " + dtype.label();
        counts.computeIfAbsent(key, k -> new long[1]);
        setAside.computeIfAbsent(key, k -> new long[1])[0]++;
    }

    /** Cases of a check in a dtype set aside as ill-conditioned. */
    public synchronized long setAside(String check, DType dtype) {
        long[] n = setAside.get(check + ", " + dtype.label());
        return n == null ? 0 : n[0];
    }

    /** Cases passed for a check in a dtype. */
    public synchronized long passed(String check, DType dtype) {
        long[] n = counts.get(check + ", " + dtype.label());
        return n == null ? 0 : n[0];
    }

    /** The worst error recorded for a check in a dtype, or NaN. */
    public synchronized double worst(String check, DType dtype) {
        return worst.getOrDefault(check + ", " + dtype.label(), Double.NaN);
    }

    /**
     * One check in one dtype: the cases that passed it, those set aside as ill-conditioned, and the worst error measured
     * (null when the check measures none or no case passed).
     */
    public record Row(String check, String dtype, long passed, long setAside, Double worst) {
    }

    /** Every check and dtype recorded so far, in the order of {@link #toString()}. */
    public synchronized List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        counts.forEach((key, n) -> {
            int comma = key.lastIndexOf(", ");
            long[] aside = setAside.get(key);
            rows.add(new Row(key.substring(0, comma), key.substring(comma + 2), n[0], aside == null ? 0 : aside[0], worst.get(key)));
        });
        return rows;
    }

    @Override
    public synchronized String toString() {
        StringBuilder out = new StringBuilder("gate summary for " + name + ":\n");
        counts.forEach((key, n) -> {
            Double w = worst.get(key);
            long[] aside = setAside.get(key);
            out.append(String.format("  %-40s %6d cases passed%s%s%n", key, n[0],
                    aside == null ? "" : String.format(", %d set aside as ill-conditioned", aside[0]),
                    w == null ? "" : String.format(", worst %.3g", w)));
        });
        return out.toString();
    }

    /** Every summary recorded in this JVM. */
    public static String all() {
        StringBuilder out = new StringBuilder();
        BY_NAME.values().forEach(s -> out.append(s));
        return out.toString();
    }
}
