package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SceneGeneratorTest {

  private final SceneGenerator generator = new SceneGenerator();

  @Test
  void sameSeedGivesSameScenes() {
    SplittableRandom a = new SplittableRandom(99);
    SplittableRandom b = new SplittableRandom(99);
    for (int i = 0; i < 100; i++) {
      assertEquals(generator.generate(a), generator.generate(b));
    }
  }

  @Test
  void differentSeedsGiveDifferentScenes() {
    assertNotEquals(
        generator.generate(new SplittableRandom(1)), generator.generate(new SplittableRandom(2)));
  }

  @Test
  void tenThousandScenesKeepTheLayoutRules() {
    SplittableRandom rng = new SplittableRandom(7);
    int[] counts = new int[Scene.MAX_SHAPES + 1];
    EnumSet<ShapeKind> kinds = EnumSet.noneOf(ShapeKind.class);
    EnumSet<ShapeColor> colors = EnumSet.noneOf(ShapeColor.class);
    EnumSet<ShapeSize> sizes = EnumSet.noneOf(ShapeSize.class);
    for (int i = 0; i < 10_000; i++) {
      Scene scene = generator.generate(rng);
      counts[scene.count()]++;
      List<Shape> s = scene.shapes();
      for (int a = 0; a < s.size(); a++) {
        Shape x = s.get(a);
        kinds.add(x.kind());
        colors.add(x.color());
        sizes.add(x.size());
        double r = SceneGenerator.REACH * x.radius() + SceneGenerator.EDGE;
        assertTrue(x.x() >= r - 1e-9 && x.x() <= 1 - r + 1e-9, "inside horizontally: " + x);
        assertTrue(x.y() >= r - 1e-9 && x.y() <= 1 - r + 1e-9, "inside vertically: " + x);
        for (int b = a + 1; b < s.size(); b++) {
          Shape y = s.get(b);
          assertTrue(
              x.distanceTo(y)
                  >= SceneGenerator.REACH * (x.radius() + y.radius()) + SceneGenerator.GAP - 1e-9,
              "clear of each other: " + x + " " + y);
          if (s.size() == 3) {
            assertTrue(Math.abs(x.x() - y.x()) >= SceneGenerator.ORDER_MARGIN, "x order visible");
          }
        }
      }
      if (s.size() == 2) {
        double dx = Math.abs(s.get(0).x() - s.get(1).x());
        double dy = Math.abs(s.get(0).y() - s.get(1).y());
        assertTrue(Math.abs(dx - dy) >= SceneGenerator.RELATION_MARGIN, "relation clear");
      }
    }
    for (int n = 1; n <= 3; n++) {
      assertTrue(counts[n] > 2_800 && counts[n] < 3_900, n + " shapes in " + counts[n] + " scenes");
    }
    assertEquals(EnumSet.allOf(ShapeKind.class), kinds);
    assertEquals(EnumSet.allOf(ShapeColor.class), colors);
    assertEquals(EnumSet.allOf(ShapeSize.class), sizes);
  }

  @Test
  void threeLargeShapesStillFit() {
    SceneGenerator three = new SceneGenerator(3, 3);
    SplittableRandom rng = new SplittableRandom(3);
    int allLarge = 0;
    for (int i = 0; i < 2_000; i++) {
      Scene scene = three.generate(rng);
      assertEquals(3, scene.count());
      if (scene.shapes().stream().allMatch(s -> s.size() == ShapeSize.LARGE)) {
        allLarge++;
      }
    }
    assertTrue(allLarge > 50, "scenes of three large shapes: " + allLarge);
  }

  @Test
  void generateContainingAlwaysHasTheShapeAndGenerateWithoutNever() {
    SplittableRandom rng = new SplittableRandom(4);
    for (int i = 0; i < 2_000; i++) {
      assertTrue(
          generator
              .generateContaining(rng, ShapeKind.TRIANGLE, ShapeColor.RED)
              .contains(ShapeKind.TRIANGLE, ShapeColor.RED));
      assertTrue(
          !generator
              .generateWithout(rng, ShapeKind.TRIANGLE, ShapeColor.RED)
              .contains(ShapeKind.TRIANGLE, ShapeColor.RED));
    }
  }

  @Test
  void sceneRejectsTwoShapesOfSameKindAndColour() {
    Shape a = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.SMALL, 0.2, 0.2);
    Shape b = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.LARGE, 0.7, 0.7);
    assertThrows(
        IllegalArgumentException.class, () -> new Scene(List.of(a, b), Background.plain(), 0));
  }

  @Test
  void sceneRejectsOverlappingShapes() {
    Shape a = new Shape(ShapeKind.CIRCLE, ShapeColor.RED, ShapeSize.LARGE, 0.4, 0.4);
    Shape b = new Shape(ShapeKind.SQUARE, ShapeColor.RED, ShapeSize.LARGE, 0.5, 0.5);
    assertThrows(
        IllegalArgumentException.class, () -> new Scene(List.of(a, b), Background.plain(), 0));
  }

  @Test
  void shapeMustLieInsideTheImage() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Shape(ShapeKind.STAR, ShapeColor.BLUE, ShapeSize.LARGE, 0.05, 0.5));
  }
}
