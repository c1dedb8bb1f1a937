package dev.glimpse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The curves PNG: the fixed size, one colour per stage, a stage with one point still shown. */
class TrainingCurvesTest {

  private static TrainingCurves.Stage stage(String name, int steps, double firstLoss) {
    List<TrainingCurves.Point> loss = new ArrayList<>();
    List<TrainingCurves.Point> accuracy = new ArrayList<>();
    for (int s = 1; s <= steps; s++) {
      loss.add(new TrainingCurves.Point(s, firstLoss / s));
      if (s % 10 == 1 || s == steps) {
        accuracy.add(new TrainingCurves.Point(s, s / (double) steps));
      }
    }
    return new TrainingCurves.Stage(name, steps, loss, accuracy);
  }

  @Test
  void everyStageIsDrawnInItsOwnColourOnAnImageOfTheCurvesSize(@TempDir Path dir) throws Exception {
    List<TrainingCurves.Stage> stages =
        List.of(
            stage("language", 200, 4.0),
            stage("vision", 50, 12.0),
            new TrainingCurves.Stage(
                "blind",
                1,
                List.of(new TrainingCurves.Point(1, 0.7)),
                List.of(new TrainingCurves.Point(1, 0.3))));

    Path file = TrainingCurves.write(dir, stages);
    BufferedImage png = ImageIO.read(file.toFile());

    assertEquals(dir.resolve(TrainingCurves.FILE), file);
    assertEquals(TrainingCurves.WIDTH, png.getWidth());
    assertEquals(TrainingCurves.HEIGHT, png.getHeight());
    for (int i = 0; i < stages.size(); i++) {
      Color colour = TrainingCurves.COLORS.get(i);
      // above the legend's swatches: the stage's curves (a dot for the one-step stage) in both
      // panels
      int drawn = count(png, colour.getRGB(), TrainingCurves.HEIGHT - 45);
      assertTrue(
          drawn > (stages.get(i).steps() > 1 ? 200 : 10), stages.get(i).name() + ": " + drawn);
    }
  }

  @Test
  void nonFiniteAndNonPositiveLossesAreLeftOutInsteadOfBreakingTheScale(@TempDir Path dir)
      throws Exception {
    List<TrainingCurves.Stage> stages =
        List.of(
            new TrainingCurves.Stage(
                "odd",
                3,
                List.of(
                    new TrainingCurves.Point(1, Double.NaN),
                    new TrainingCurves.Point(2, 0.0),
                    new TrainingCurves.Point(3, 2.0)),
                List.of()));

    BufferedImage png = ImageIO.read(TrainingCurves.write(dir, stages).toFile());

    assertEquals(TrainingCurves.WIDTH, png.getWidth());
  }

  private static int count(BufferedImage image, int rgb, int belowRow) {
    int n = 0;
    for (int y = 0; y < belowRow; y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        n += (image.getRGB(x, y) & 0xFFFFFF) == (rgb & 0xFFFFFF) ? 1 : 0;
      }
    }
    return n;
  }
}
