package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Area;
import java.awt.geom.PathIterator;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ShapeRendererTest {

  private static final Path SAMPLES = Path.of("target", "shapes-samples");

  @Test
  void sameSceneGivesSamePngBytes() {
    Scene scene = new SceneGenerator().generate(new SplittableRandom(42));
    ShapeRenderer renderer = new ShapeRenderer(64, Jitter.MILD);
    assertArrayEquals(renderer.renderPng(scene), renderer.renderPng(scene));
    Scene again = new SceneGenerator().generate(new SplittableRandom(42));
    assertArrayEquals(renderer.renderPng(scene), renderer.renderPng(again));
  }

  @Test
  void rendersRgbImageOfConfiguredSize() throws IOException {
    Scene scene = new SceneGenerator().generate(new SplittableRandom(1));
    BufferedImage image = new ShapeRenderer(56, Jitter.NONE).render(scene);
    assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
    assertEquals(56, image.getWidth());
    assertEquals(56, image.getHeight());
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(ShapeRenderer.png(image)));
    assertEquals(56, decoded.getWidth());
    assertEquals(image.getRGB(20, 30) & 0xFFFFFF, decoded.getRGB(20, 30) & 0xFFFFFF);
  }

  @Test
  void shapeCentreHasItsColourAndBackgroundStaysLight() {
    for (ShapeKind kind : ShapeKind.values()) {
      for (ShapeColor color : ShapeColor.values()) {
        Scene scene =
            new Scene(
                List.of(new Shape(kind, color, ShapeSize.LARGE, 0.5, 0.5)), Background.plain(), 7);
        BufferedImage image = new ShapeRenderer(64, Jitter.NONE).render(scene);
        assertEquals(
            color.rgb(), image.getRGB(32, 32) & 0xFFFFFF, kind + " " + color + " at its centre");
        assertEquals(0xF0F0F0, image.getRGB(2, 2) & 0xFFFFFF, "corner is background");
      }
    }
  }

  @Test
  void smallShapesCoverClearlyFewerPixelsThanLargeOnes() {
    for (ShapeKind kind : ShapeKind.values()) {
      int small = coloured(kind, ShapeSize.SMALL);
      int large = coloured(kind, ShapeSize.LARGE);
      assertTrue(small > 80, kind + " small covers " + small + " px at 64 px");
      assertTrue(large > 2 * small, kind + ": large " + large + " vs small " + small);
    }
  }

  @Test
  void kindsOfSameSizeCoverComparableAreas() {
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (ShapeKind kind : ShapeKind.values()) {
      int n = coloured(kind, ShapeSize.LARGE);
      min = Math.min(min, n);
      max = Math.max(max, n);
    }
    assertTrue(max < 2.2 * min, "areas of large shapes range from " + min + " to " + max);
  }

  @Test
  void jitterMovesPixelsButNeverChangesColourName() {
    SplittableRandom rng = new SplittableRandom(5);
    SceneGenerator generator = new SceneGenerator();
    boolean differs = false;
    for (int i = 0; i < 50; i++) {
      Scene scene = generator.generate(rng);
      BufferedImage plain = new ShapeRenderer(64, Jitter.NONE).render(scene);
      BufferedImage jittered = new ShapeRenderer(64, Jitter.MILD).render(scene);
      differs |= !java.util.Arrays.equals(pixels(plain), pixels(jittered));
      for (Shape s : scene.shapes()) {
        int rgb = jittered.getRGB((int) (s.x() * 64), (int) (s.y() * 64)) & 0xFFFFFF;
        assertEquals(s.color(), nearestColor(rgb), s + " rendered as #" + Integer.toHexString(rgb));
      }
    }
    assertTrue(differs, "jitter changes the image");
  }

  @Test
  void everyOutlineStaysWithinTheReachTheLayoutAssumes() {
    for (ShapeKind kind : ShapeKind.values()) {
      double[] c = new double[6];
      for (PathIterator it = ShapeRenderer.outline(kind, 1.0).getPathIterator(null, 0.01);
          !it.isDone();
          it.next()) {
        if (it.currentSegment(c) != PathIterator.SEG_CLOSE) {
          assertTrue(Math.hypot(c[0], c[1]) <= SceneGenerator.REACH + 1e-9, kind + " reaches out");
        }
      }
    }
  }

  @Test
  void jitteredShapesNeverTouchEachOtherOrTheImageEdge() {
    ShapeRenderer renderer = new ShapeRenderer(64, Jitter.MILD);
    SceneGenerator generator = new SceneGenerator();
    SplittableRandom rng = new SplittableRandom(8);
    for (int i = 0; i < 3_000; i++) {
      Scene scene = generator.generate(rng);
      List<java.awt.Shape> areas = renderer.paintedAreas(scene);
      for (int a = 0; a < areas.size(); a++) {
        Rectangle2D box = areas.get(a).getBounds2D();
        assertTrue(
            box.getMinX() >= 0 && box.getMinY() >= 0 && box.getMaxX() <= 64 && box.getMaxY() <= 64,
            "inside the image: " + box + " of " + scene);
        for (int b = a + 1; b < areas.size(); b++) {
          Area overlap = new Area(grown(areas.get(a)));
          overlap.intersect(new Area(areas.get(b)));
          assertTrue(overlap.isEmpty(), "shapes come within a pixel of each other in " + scene);
        }
      }
    }
  }

  /** The area grown by one pixel all round, so "not touching" means a pixel of background. */
  private static java.awt.Shape grown(java.awt.Shape s) {
    Area a = new Area(s);
    a.add(new Area(new BasicStroke(2f).createStrokedShape(s)));
    return a;
  }

  @Test
  void writesSampleImagesForHumanInspection() throws IOException {
    Files.createDirectories(SAMPLES);
    ShapesDataset dataset = ShapesDataset.split(2026, DatasetConfig.defaults()).train();
    for (int i = 0; i < 8; i++) {
      Example e = dataset.example(i);
      String name = String.format("%02d-%s.png", i, e.answer().replace(' ', '_'));
      Files.write(SAMPLES.resolve(name), ShapeRenderer.png(e.image()));
      Files.writeString(
          SAMPLES.resolve(String.format("%02d.txt", i)), e.userText() + " -> " + e.answer() + "\n");
      // An 8x upscale, easier to judge by eye than 64 px.
      Files.write(
          SAMPLES.resolve(String.format("%02d-x8.png", i)),
          ShapeRenderer.png(upscale(e.image(), 8)));
    }
    assertTrue(Files.exists(SAMPLES.resolve("00.txt")));
    assertFalse(Files.list(SAMPLES).toList().isEmpty());
  }

  private static int coloured(ShapeKind kind, ShapeSize size) {
    ShapeColor color = ShapeColor.BLUE;
    Scene scene = new Scene(List.of(new Shape(kind, color, size, 0.5, 0.5)), Background.plain(), 1);
    BufferedImage image = new ShapeRenderer(64, Jitter.NONE).render(scene);
    int n = 0;
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        if ((image.getRGB(x, y) & 0xFFFFFF) != 0xF0F0F0) {
          n++;
        }
      }
    }
    return n;
  }

  static ShapeColor nearestColor(int rgb) {
    float[] hsb = Color.RGBtoHSB((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, null);
    ShapeColor best = null;
    double bestD = Double.MAX_VALUE;
    for (ShapeColor c : ShapeColor.values()) {
      int v = c.rgb();
      float[] ref = Color.RGBtoHSB((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF, null);
      double dh = Math.abs(hsb[0] - ref[0]);
      dh = Math.min(dh, 1 - dh);
      if (dh < bestD) {
        bestD = dh;
        best = c;
      }
    }
    return best;
  }

  private static int[] pixels(BufferedImage image) {
    return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
  }

  private static BufferedImage upscale(BufferedImage image, int factor) {
    int n = image.getWidth();
    BufferedImage big = new BufferedImage(n * factor, n * factor, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < n * factor; y++) {
      for (int x = 0; x < n * factor; x++) {
        big.setRGB(x, y, image.getRGB(x / factor, y / factor));
      }
    }
    return big;
  }
}
