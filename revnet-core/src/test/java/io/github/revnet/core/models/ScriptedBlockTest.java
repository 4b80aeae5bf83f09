package io.github.revnet.core.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScriptedBlockTest {
    @AfterEach
    void forget() {
        ScriptedBlock.use(null);
        for (String key : List.of("revnet.scripted.f", "revnet.scripted.g", "revnet.scripted.channels")) {
            System.clearProperty(key);
        }
    }

    @Test
    void aScriptedModelNeedsABlockInUseAndIsBuiltFromIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.resolve("scripted-d3"));
        assertTrue(e.getMessage().contains("none is in use"), e.getMessage());
        ScriptedBlock block = new ScriptedBlock(Path.of("f.pt"), Path.of("g.pt"), 8);
        ScriptedBlock.use(block);
        ModelSpec spec = ModelSpec.resolve("scripted-d3");
        assertTrue(spec.isScripted());
        assertEquals(block, spec.scripted());
        assertArrayEquals(new int[] {3}, spec.units());
        assertArrayEquals(new int[] {8, 8}, spec.widths());
    }

    @Test
    void aChildJvmReceivesTheSameBlockThroughItsFlags() {
        ScriptedBlock block = new ScriptedBlock(Path.of("dir", "f.pt"), Path.of("g.pt"), 6);
        ScriptedBlock.use(block);
        List<String> flags = ScriptedBlock.jvmFlags();
        ScriptedBlock.use(null);
        assertTrue(ScriptedBlock.inUse().isEmpty(), "no block before the flags arrive");
        for (String flag : flags) {
            String[] kv = flag.substring(2).split("=", 2);
            System.setProperty(kv[0], kv[1]);
        }
        assertEquals(block, ScriptedBlock.inUse().orElseThrow());
    }

    @Test
    void anOddChannelCountIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ScriptedBlock(Path.of("f.pt"), Path.of("g.pt"), 5));
    }
}
