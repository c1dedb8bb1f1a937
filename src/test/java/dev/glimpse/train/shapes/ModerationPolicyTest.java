package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModerationPolicyTest {

  private static final ModerationPolicy POLICY = ModerationPolicy.DEMO;

  private static Scene scene(Shape... shapes) {
    return new Scene(List.of(shapes), Background.plain(), 0);
  }

  @Test
  void redTriangleIsAWarningSign() {
    Scene s = scene(new Shape(ShapeKind.TRIANGLE, ShapeColor.RED, ShapeSize.SMALL, 0.3, 0.3));
    assertTrue(POLICY.isFlagged(s, ModerationCategory.WARNING_SIGN));
    assertFalse(POLICY.isFlagged(s, ModerationCategory.HAZARD));
    assertEquals(List.of(ModerationCategory.WARNING_SIGN), POLICY.flags(s));
    assertEquals("yes", POLICY.answer(s, ModerationCategory.WARNING_SIGN));
  }

  @Test
  void redSquareAndGreenTriangleAreNotWarningSigns() {
    Scene s =
        scene(
            new Shape(ShapeKind.SQUARE, ShapeColor.RED, ShapeSize.SMALL, 0.25, 0.3),
            new Shape(ShapeKind.TRIANGLE, ShapeColor.GREEN, ShapeSize.LARGE, 0.7, 0.7));
    assertFalse(POLICY.isFlagged(s, ModerationCategory.WARNING_SIGN));
    assertEquals("no", POLICY.answer(s, ModerationCategory.WARNING_SIGN));
  }

  @Test
  void yellowStarIsAHazard() {
    Scene s = scene(new Shape(ShapeKind.STAR, ShapeColor.YELLOW, ShapeSize.LARGE, 0.5, 0.5));
    assertTrue(POLICY.isFlagged(s, ModerationCategory.HAZARD));
    assertEquals("is there a hazard", POLICY.question(ModerationCategory.HAZARD));
    assertEquals("is there a warning sign", POLICY.question(ModerationCategory.WARNING_SIGN));
  }

  @Test
  void categoryIdsAreStableSnakeCase() {
    assertEquals("warning_sign", ModerationCategory.WARNING_SIGN.id());
    assertEquals("hazard", ModerationCategory.HAZARD.id());
    assertEquals(List.of(ModerationCategory.values()), POLICY.categories());
  }

  @Test
  void moderationPositivesAreBetweenTwentyAndFortyPercentPerCategory() {
    ShapesDataset data = ShapesDataset.split(77, DatasetConfig.defaults()).train();
    Map<ModerationCategory, int[]> counts = new EnumMap<>(ModerationCategory.class);
    int moderation = 0;
    for (long i = 0; i < 10_000; i++) {
      Example e = data.example(i);
      if (e.kind() != PromptKind.MODERATION) {
        continue;
      }
      moderation++;
      int[] c = counts.computeIfAbsent(e.category(), k -> new int[2]);
      c[0]++;
      boolean flagged = POLICY.isFlagged(e.scene(), e.category());
      assertEquals(flagged ? "yes" : "no", e.answer(), e.question());
      assertEquals(POLICY.question(e.category()), e.question());
      c[1] += flagged ? 1 : 0;
    }
    assertTrue(moderation > 2_200 && moderation < 2_800, "moderation examples: " + moderation);
    for (ModerationCategory c : ModerationCategory.values()) {
      double rate = counts.get(c)[1] / (double) counts.get(c)[0];
      assertTrue(rate >= 0.2 && rate <= 0.4, c + " positive rate " + rate);
    }
  }

  @Test
  void sceneFlaggedForOneCategoryIsAHardNegativeForTheOther() {
    ShapesDataset data = ShapesDataset.split(78, DatasetConfig.defaults()).train();
    int nearMisses = 0;
    for (long i = 0; i < 5_000; i++) {
      Example e = data.example(i);
      if (e.kind() == PromptKind.MODERATION && e.answer().equals("no")) {
        ModerationCategory c = e.category();
        boolean sharesKindOrColour =
            e.scene().shapes().stream()
                .anyMatch(s -> s.kind() == c.kind() || s.color() == c.color());
        nearMisses += sharesKindOrColour ? 1 : 0;
      }
    }
    assertTrue(nearMisses > 200, "negatives that share the kind or colour: " + nearMisses);
  }
}
