package io.github.revnet.core.distributed;

import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchEnvironmentTest {
    private static final Map<String, String> TORCHRUN = Map.of("RANK", "1", "WORLD_SIZE", "3", "LOCAL_RANK", "1", "MASTER_ADDR",
            "127.0.0.1", "MASTER_PORT", "29500");

    @Test
    void torchrunsVariablesAreRead() {
        assertEquals(new LaunchEnvironment(1, 3, 1, "127.0.0.1", 29500), LaunchEnvironment.from(TORCHRUN));
        assertTrue(LaunchEnvironment.present(TORCHRUN));
        assertFalse(LaunchEnvironment.present(Map.of()));
        assertEquals(TORCHRUN, new LaunchEnvironment(0, 3, 0, "127.0.0.1", 29500).variablesFor(1));
    }

    private static String refused(Map<String, String> env) {
        return assertThrows(IllegalArgumentException.class, () -> LaunchEnvironment.from(env)).getMessage();
    }

    private static Map<String, String> with(String name, String value) {
        var env = new java.util.HashMap<>(TORCHRUN);
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return env;
    }

    @Test
    void aMissingOrWrongVariableIsNamedWithItsValue() {
        assertTrue(refused(with("MASTER_PORT", null)).startsWith("MASTER_PORT is not set"));
        assertEquals("WORLD_SIZE must be an integer, got 'two'", refused(with("WORLD_SIZE", "two")));
        assertEquals("RANK must be in [0, WORLD_SIZE) = [0, 3), got 3", refused(with("RANK", "3")));
        assertEquals("MASTER_PORT must be a TCP port in [1, 65535], got 70000", refused(with("MASTER_PORT", "70000")));
        assertEquals("WORLD_SIZE must be >= 1, got 0", refused(with("WORLD_SIZE", "0")));
    }
}
