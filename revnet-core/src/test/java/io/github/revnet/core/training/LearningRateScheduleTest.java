package io.github.revnet.core.training;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningRateScheduleTest {
    @Test
    void cosineStartsAtTheBaseRateHalvesMidwayAndEndsNearZero() {
        assertEquals(0.1, LearningRateSchedule.COSINE.at(0.1, 1, 100), 1e-15);
        assertEquals(0.05, LearningRateSchedule.COSINE.at(0.1, 51, 100), 1e-15);
        double last = LearningRateSchedule.COSINE.at(0.1, 100, 100);
        assertTrue(last > 0 && last < 1e-4, "last rate " + last);
        for (int step = 2; step <= 100; step++) {
            assertTrue(LearningRateSchedule.COSINE.at(0.1, step, 100) < LearningRateSchedule.COSINE.at(0.1, step - 1, 100), "step " + step);
        }
    }

    @Test
    void constantIsTheBaseRateThroughout() {
        assertEquals(0.1, LearningRateSchedule.CONSTANT.at(0.1, 100, 100));
    }

    @Test
    void badStepsAndNamesAreRejectedByName() {
        var step = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.COSINE.at(0.1, 101, 100));
        assertTrue(step.getMessage().contains("101"), step.getMessage());
        var name = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("linear"));
        assertTrue(name.getMessage().contains("'linear'"), name.getMessage());
    }
}
