package dev.glimpse.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ModerationTask;
import dev.glimpse.kafka.Settings;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TaskDefaultsTest {

  @Test
  void aCategoryWithoutAThresholdOfItsOwnTakesTheSingleThreshold() {
    TaskDefaults d =
        TaskDefaults.from(
            Map.of(
                "glimpse.moderation.flag.threshold", "0.7",
                "glimpse.moderation.flag.threshold.warning_sign", "0.2"));
    assertEquals(0.2, d.thresholdOf("warning_sign"));
    assertEquals(0.7, d.thresholdOf("hazard"));
  }

  @Test
  void anEnvironmentVariableSetsTheThresholdOfACategoryWithAnUnderscore() {
    Map<String, String> s =
        Settings.overlay(
            new Properties(), Map.of("GLIMPSE_MODERATION_FLAG_THRESHOLD_WARNING_SIGN", "0.3"));
    TaskDefaults d = TaskDefaults.from(s);
    assertEquals(0.3, d.thresholdOf("warning_sign"));
    assertEquals(
        0.3, d.thresholdOf("Warning-Sign"), "names that ask the same question share a threshold");
  }

  @Test
  void aModerationTaskCarriesTheThresholdOfEveryCategoryItScores() {
    TaskDefaults d = TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold.fire", "0.9"));
    var m =
        (ResolvedTask.Moderation)
            ResolvedTask.of(new ModerationTask(List.of("fire", "smoke")), null, d);
    assertEquals(Map.of("fire", 0.9, "smoke", 0.5), m.thresholds());
    assertTrue(m.flags("fire", 0.9) && !m.flags("fire", 0.89) && m.flags("smoke", 0.5));
  }

  @Test
  void aThresholdOutsideZeroToOneIsRefusedNamingItsSetting() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold.fire", "1.5")));
    assertTrue(e.getMessage().contains("glimpse.moderation.flag.threshold.fire"), e.getMessage());
    var notANumber =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskDefaults.from(Map.of("glimpse.moderation.flag.threshold.fire", "high")));
    assertTrue(notANumber.getMessage().contains("probability"), notANumber.getMessage());
  }
}
