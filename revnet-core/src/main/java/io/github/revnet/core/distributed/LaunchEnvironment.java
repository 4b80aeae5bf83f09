package io.github.revnet.core.distributed;

import java.util.Map;

/**
 * Where this process stands in a data-parallel job, read from the variables torchrun sets: {@code RANK},
 * {@code WORLD_SIZE}, {@code LOCAL_RANK} (optional, defaults to {@code RANK}), {@code MASTER_ADDR} and
 * {@code MASTER_PORT}. Rank 0 hosts the rendezvous store at the master's address and port. Every variable is checked
 * before anything native runs, and a missing or wrong one is named with its value.
 */
public record LaunchEnvironment(int rank, int worldSize, int localRank, String masterAddress, int masterPort) {
    public LaunchEnvironment {
        if (worldSize < 1) {
            throw new IllegalArgumentException("WORLD_SIZE must be >= 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("RANK must be in [0, WORLD_SIZE) = [0, " + worldSize + "), got " + rank);
        }
        if (localRank < 0) {
            throw new IllegalArgumentException("LOCAL_RANK must be >= 0, got " + localRank);
        }
        if (masterAddress == null || masterAddress.isBlank()) {
            throw new IllegalArgumentException("MASTER_ADDR must name the host of rank 0, got '" + masterAddress + "'");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("MASTER_PORT must be a TCP port in [1, 65535], got " + masterPort);
        }
    }

    /** The variables of {@code env} (normally {@link System#getenv()}). */
    public static LaunchEnvironment from(Map<String, String> env) {
        int rank = integer(env, "RANK");
        return new LaunchEnvironment(rank, integer(env, "WORLD_SIZE"), env.containsKey("LOCAL_RANK") ? integer(env, "LOCAL_RANK") : rank,
                required(env, "MASTER_ADDR"), integer(env, "MASTER_PORT"));
    }

    /** Whether {@code env} describes a distributed launch at all (torchrun, or {@code --nproc}'s own launcher). */
    public static boolean present(Map<String, String> env) {
        return env.containsKey("WORLD_SIZE") || env.containsKey("RANK");
    }

    /** The variables a launcher sets for rank {@code rank} of this job. */
    public Map<String, String> variablesFor(int rank) {
        return Map.of("RANK", String.valueOf(rank), "WORLD_SIZE", String.valueOf(worldSize), "LOCAL_RANK", String.valueOf(rank),
                "MASTER_ADDR", masterAddress, "MASTER_PORT", String.valueOf(masterPort));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + " is not set: a distributed run needs RANK, WORLD_SIZE, MASTER_ADDR and"
                    + " MASTER_PORT (torchrun sets them; --nproc N sets them for local workers)");
        }
        return value;
    }

    private static int integer(Map<String, String> env, String name) {
        String value = required(env, name);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
        }
    }
}
