package dev.glimpse.train.shapes;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Draws a {@link Scene} with Java2D, antialiased, into a square {@code TYPE_INT_RGB} image.
 *
 * <p>All randomness (jitter, pixel noise) comes from {@link Scene#renderSeed()}, so rendering is a
 * pure function of (scene, size, jitter): the same scene always gives the same pixels and the same
 * PNG bytes. Instances are immutable and safe to share between threads.
 */
public final class ShapeRenderer {

  /** The image side the demo model's vision tower is trained on. */
  public static final int DEFAULT_SIZE = 64;

  private final int imageSize;
  private final Jitter jitter;

  public ShapeRenderer() {
    this(DEFAULT_SIZE, Jitter.NONE);
  }

  public ShapeRenderer(int imageSize, Jitter jitter) {
    if (imageSize < 32 || imageSize > 1024) {
      throw new IllegalArgumentException("image size must be in [32, 1024]: " + imageSize);
    }
    this.imageSize = imageSize;
    this.jitter = jitter;
  }

  public int imageSize() {
    return imageSize;
  }

  public Jitter jitter() {
    return jitter;
  }

  /** Draws the scene. */
  public BufferedImage render(Scene scene) {
    SplittableRandom rng = new SplittableRandom(scene.renderSeed());
    SplittableRandom noise = rng.split();
    List<Drawn> drawn = layout(scene, rng);
    BufferedImage image = new BufferedImage(imageSize, imageSize, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      drawBackground(g, scene.background());
      addNoise(image, scene.background().noise(), noise);
      g.setStroke(new BasicStroke(rimWidth()));
      for (Drawn d : drawn) {
        g.setColor(d.fill());
        g.fill(d.outline());
        // A thin darker rim sharpens the silhouette at 64 px without changing the colour name.
        g.setColor(d.fill().darker());
        g.draw(d.outline());
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /**
   * The painted area of each shape in pixels, rim included, in scene order, exactly as {@link
   * #render} paints it; lets tests check that jittered shapes never touch or leave the image.
   */
  List<java.awt.Shape> paintedAreas(Scene scene) {
    SplittableRandom rng = new SplittableRandom(scene.renderSeed());
    rng.split(); // the noise stream, as in render
    BasicStroke rim = new BasicStroke(rimWidth());
    return layout(scene, rng).stream()
        .map(
            d -> {
              Area area = new Area(d.outline());
              area.add(new Area(rim.createStrokedShape(d.outline())));
              return (java.awt.Shape) area;
            })
        .toList();
  }

  private float rimWidth() {
    return (float) Math.max(0.75, imageSize / 96.0);
  }

  /** One shape as it will be painted: outline in pixel coordinates and jittered fill. */
  private record Drawn(java.awt.Shape outline, Color fill) {}

  private List<Drawn> layout(Scene scene, SplittableRandom rng) {
    List<Drawn> out = new ArrayList<>(scene.count());
    for (Shape shape : scene.shapes()) {
      out.add(place(shape, rng));
    }
    return out;
  }

  /** Draws the scene and encodes it as PNG. */
  public byte[] renderPng(Scene scene) {
    return png(render(scene));
  }

  /** Encodes an image as PNG; the bytes depend only on the pixels. */
  public static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void drawBackground(Graphics2D g, Background background) {
    g.setPaint(
        new GradientPaint(
            0, 0, new Color(background.topRgb()), 0, imageSize, new Color(background.bottomRgb())));
    g.fillRect(0, 0, imageSize, imageSize);
  }

  /** Noise goes under the shapes: it varies the background only, never a shape's colour. */
  private static void addNoise(BufferedImage image, int amplitude, SplittableRandom rng) {
    if (amplitude == 0) {
      return;
    }
    // TYPE_INT_RGB is backed by one int per pixel; writing it directly is far faster than setRGB.
    int[] pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < pixels.length; i++) {
      int rgb = pixels[i];
      int r = clamp(((rgb >> 16) & 0xFF) + rng.nextInt(-amplitude, amplitude + 1));
      int g = clamp(((rgb >> 8) & 0xFF) + rng.nextInt(-amplitude, amplitude + 1));
      int b = clamp((rgb & 0xFF) + rng.nextInt(-amplitude, amplitude + 1));
      pixels[i] = (r << 16) | (g << 8) | b;
    }
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private Drawn place(Shape shape, SplittableRandom rng) {
    // Draw every jitter value even when its amplitude is zero, so one shape's perturbation does
    // not depend on the jitter settings of the shapes before it.
    double jx = symmetric(rng) * jitter.position();
    double jy = symmetric(rng) * jitter.position();
    double js = 1 + symmetric(rng) * jitter.size();
    double jh = symmetric(rng) * jitter.hue();
    double jr = Math.toRadians(symmetric(rng) * jitter.rotationDegrees());

    double cx = (shape.x() + jx) * imageSize;
    double cy = (shape.y() + jy) * imageSize;
    double r = shape.radius() * js * imageSize;

    AffineTransform at = new AffineTransform();
    at.translate(cx, cy);
    if (shape.kind() != ShapeKind.CIRCLE) {
      at.rotate(jr);
    }
    java.awt.Shape placed = at.createTransformedShape(outline(shape.kind(), r));
    return new Drawn(placed, shiftHue(new Color(shape.color().rgb()), jh));
  }

  private static double symmetric(SplittableRandom rng) {
    return rng.nextDouble() * 2 - 1;
  }

  private static Color shiftHue(Color c, double shift) {
    if (shift == 0) {
      return c;
    }
    float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
    float h = (float) (hsb[0] + shift);
    h = h - (float) Math.floor(h);
    return new Color(Color.HSBtoRGB(h, hsb[1], hsb[2]));
  }

  /**
   * The outline of a kind centred at the origin, sized so that its area is close to that of the
   * other kinds of the same {@link ShapeSize}; no point lies further than {@link
   * SceneGenerator#REACH} times {@code r} from the origin, which placement relies on.
   */
  static java.awt.Shape outline(ShapeKind kind, double r) {
    return switch (kind) {
      case CIRCLE -> new Ellipse2D.Double(-0.92 * r, -0.92 * r, 1.84 * r, 1.84 * r);
      case SQUARE ->
          polygon(
              new double[] {-0.77 * r, 0.77 * r, 0.77 * r, -0.77 * r},
              new double[] {-0.77 * r, -0.77 * r, 0.77 * r, 0.77 * r});
      // Equilateral, apex up, centred on its centroid.
      case TRIANGLE -> regular(3, 1.08 * r, 1.08 * r);
      // Five points, inner radius 0.46 of the outer.
      case STAR -> regular(10, 1.08 * r, 0.46 * 1.08 * r);
      case CROSS -> {
        double arm = 0.92 * r;
        double half = 0.32 * r;
        yield polygon(
            new double[] {-half, half, half, arm, arm, half, half, -half, -half, -arm, -arm, -half},
            new double[] {
              -arm, -arm, -half, -half, half, half, arm, arm, half, half, -half, -half
            });
      }
    };
  }

  /**
   * A polygon of {@code n} vertices starting straight up, alternating between the two radii (equal
   * radii give a regular polygon, unequal ones a star).
   */
  private static Path2D regular(int n, double outer, double inner) {
    double[] xs = new double[n];
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      double rad = i % 2 == 0 ? outer : inner;
      double a = Math.toRadians(-90 + 360.0 / n * i);
      xs[i] = rad * Math.cos(a);
      ys[i] = rad * Math.sin(a);
    }
    return polygon(xs, ys);
  }

  private static Path2D polygon(double[] xs, double[] ys) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      p.lineTo(xs[i], ys[i]);
    }
    p.closePath();
    return p;
  }
}
