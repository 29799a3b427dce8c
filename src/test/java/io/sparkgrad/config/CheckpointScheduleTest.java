package io.sparkgrad.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The values {@code checkpoint-every} reads and when each schedule writes. */
class CheckpointScheduleTest {
  @Test
  void readsEpochsAndDurations() {
    assertEquals(CheckpointSchedule.NEVER, CheckpointSchedule.parse("k", "0"));
    assertEquals(CheckpointSchedule.everyEpochs(3), CheckpointSchedule.parse("k", "3"));
    assertEquals(CheckpointSchedule.everySeconds(45), CheckpointSchedule.parse("k", "45s"));
    assertEquals(CheckpointSchedule.everySeconds(600), CheckpointSchedule.parse("k", "10m"));
    assertEquals(CheckpointSchedule.everySeconds(7200), CheckpointSchedule.parse("k", " 2H "));
  }

  @Test
  void labelsReadBackAsTheSameSchedule() {
    assertEquals("2m", CheckpointSchedule.parse("k", "120s").label());
    assertEquals("90s", CheckpointSchedule.parse("k", "90s").label());
    assertEquals("1h", CheckpointSchedule.parse("k", "60m").label());
    for (String text : List.of("0", "1", "7", "1s", "59s", "61s", "5m", "90m", "3h")) {
      CheckpointSchedule schedule = CheckpointSchedule.parse("k", text);
      assertEquals(schedule, CheckpointSchedule.parse("k", schedule.label()), text);
    }
  }

  @Test
  void refusesOtherValuesNamingTheKeyAndTheText() {
    for (String text : List.of("-1", "0s", "1.5", "5x", "m", "", "30 s", "1d", "9999999999")) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> CheckpointSchedule.parse("checkpoint-every", text), text);
      assertEquals("checkpoint-every: expected a number of epochs (0 = none) or a duration of at"
          + " least 1 such as 30s, 10m or 1h; found '" + text + "'", e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new CheckpointSchedule(2, 30));
    assertThrows(IllegalArgumentException.class, () -> new CheckpointSchedule(-1, 0));
  }

  @Test
  void byEpochsWritesEveryNthAndTheLast() {
    CheckpointSchedule every3 = CheckpointSchedule.everyEpochs(3);
    assertFalse(every3.due(2, false, 1e6), "time does not count");
    assertTrue(every3.due(3, false, 0));
    assertTrue(every3.due(6, false, 0));
    assertTrue(every3.due(7, true, 0), "the last epoch");
    assertFalse(every3.byTime());
  }

  @Test
  void byTimeWritesOnceTheIntervalHasPassedAndNotForTheLastEpochAlone() {
    CheckpointSchedule every30s = CheckpointSchedule.everySeconds(30);
    assertFalse(every30s.due(1, false, 29.999));
    assertTrue(every30s.due(1, false, 30.0));
    assertTrue(every30s.due(5, false, 400));
    assertFalse(every30s.due(8, true, 3), "a short run ends without one");
    assertTrue(every30s.byTime());
  }

  @Test
  void neverWrites() {
    assertTrue(CheckpointSchedule.NEVER.never());
    assertFalse(CheckpointSchedule.NEVER.due(1, true, 1e9));
    assertTrue(CheckpointSchedule.NEVER.beforeFirst().contains("checkpoint-every 0"));
    assertEquals("no checkpoint was written yet (checkpoint-every 10m: the first after 10m of"
        + " training): a rerun starts over", CheckpointSchedule.everySeconds(600).beforeFirst());
    assertEquals("no checkpoint was written yet: a rerun starts over",
        CheckpointSchedule.everyEpochs(2).beforeFirst());
  }

  @Test
  void theDefaultIsByTime() {
    assertEquals(CheckpointSchedule.everySeconds(30),
        TrainingKeys.CHECKPOINT_EVERY.parse(TrainingKeys.TABLE.defaults().get("checkpoint-every")));
  }
}
