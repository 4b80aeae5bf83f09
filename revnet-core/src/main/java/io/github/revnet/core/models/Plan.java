package io.github.revnet.core.models;

import io.github.revnet.core.Mode;
import java.util.ArrayList;
import java.util.List;

/**
 * A mode for each reversible stack of a model, in order: the hybrid mode. {@link #uniform} is
 * what a plain {@link Mode} means; a plan like {@code checkpoint,reversible,stored} trades memory
 * for time stack by stack. Units outside reversible stacks (stem, transitions, head) always keep
 * their activations.
 */
public record Plan(List<Mode> stackModes) {
    public Plan {
        stackModes = List.copyOf(stackModes); // rejects null entries
    }

    /** Every stack in {@code mode}. */
    public static Plan uniform(Mode mode, int stacks) {
        if (stacks < 0) {
            throw new IllegalArgumentException("stack count must be >= 0, got " + stacks);
        }
        return new Plan(java.util.Collections.nCopies(stacks, java.util.Objects.requireNonNull(mode, "mode")));
    }

    /** A plan written as its modes separated by commas, e.g. {@code reversible,stored,checkpoint}. */
    public static Plan parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a plan is one mode per reversible stack, separated by commas, got '" + text + "'");
        }
        List<Mode> modes = new ArrayList<>();
        for (String part : text.split(",")) {
            modes.add(Mode.parse(part.strip()));
        }
        return new Plan(modes);
    }

    /** Every plan for {@code stacks} stacks: 3^stacks of them, stored-most first. */
    public static List<Plan> all(int stacks) {
        if (stacks < 0 || stacks > 6) {
            throw new IllegalArgumentException("plans are enumerated for 0 to 6 stacks (3^6 = 729 plans), got " + stacks);
        }
        List<Plan> plans = new ArrayList<>();
        int count = (int) Math.pow(Mode.values().length, stacks);
        for (int code = 0; code < count; code++) {
            List<Mode> modes = new ArrayList<>();
            for (int s = 0, c = code; s < stacks; s++, c /= Mode.values().length) {
                modes.add(Mode.values()[c % Mode.values().length]);
            }
            plans.add(new Plan(modes));
        }
        return plans;
    }

    public Mode modeOf(int stack) {
        return stackModes.get(stack);
    }

    public int stacks() {
        return stackModes.size();
    }

    /** The plan as {@link #parse} reads it. */
    public String label() {
        return String.join(",", stackModes.stream().map(Mode::label).toList());
    }

    @Override
    public String toString() {
        return label();
    }
}
