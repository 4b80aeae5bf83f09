package io.github.revnet.firstload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** A user's JUnit test whose class initialiser is a preset call; run only by {@link FirstLoadProbe} (its name is no test's). */
public class PresetsFirstFixture {
    static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    @Test
    void onesSumToTheirCount() {
        assertEquals(3.0, torch.ones(new long[] {3}, F64).sum().item_double());
    }
}
