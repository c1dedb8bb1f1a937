package dev.glimpse.train.shapes;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    BufferedImage image = new BufferedImage(imageSize, imageSize, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      drawBackground(g, scene.background());
      addNoise(image, scene.background().noise(), rng);
      for (Shape shape : scene.shapes()) {
        drawShape(g, shape, rng);
      }
    } finally {
      g.dispose();
    }
    return image;
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

  private void drawShape(Graphics2D g, Shape shape, SplittableRandom rng) {
    // Draw the jitter unconditionally so a shape's perturbation does not depend on the jitter
    // settings of the shapes before it.
    double jx = symmetric(rng) * jitter.position();
    double jy = symmetric(rng) * jitter.position();
    double js = 1 + symmetric(rng) * jitter.size();
    double jh = symmetric(rng) * jitter.hue();
    double jr = Math.toRadians(symmetric(rng) * jitter.rotationDegrees());

    double cx = (shape.x() + jx) * imageSize;
    double cy = (shape.y() + jy) * imageSize;
    double r = shape.radius() * js * imageSize;

    java.awt.Shape outline = outline(shape.kind(), r);
    AffineTransform at = new AffineTransform();
    at.translate(cx, cy);
    if (shape.kind() != ShapeKind.CIRCLE) {
      at.rotate(jr);
    }
    java.awt.Shape placed = at.createTransformedShape(outline);

    Color fill = shiftHue(new Color(shape.color().rgb()), jh);
    g.setColor(fill);
    g.fill(placed);
    // A thin darker rim sharpens the silhouette at 64 px without changing the colour name.
    g.setColor(fill.darker());
    g.setStroke(new BasicStroke((float) Math.max(0.75, imageSize / 96.0)));
    g.draw(placed);
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
   * other kinds of the same {@link ShapeSize}; everything stays within about the bounding radius.
   */
  static java.awt.Shape outline(ShapeKind kind, double r) {
    switch (kind) {
      case CIRCLE:
        {
          double cr = 0.92 * r;
          return new Ellipse2D.Double(-cr, -cr, 2 * cr, 2 * cr);
        }
      case SQUARE:
        {
          double h = 0.78 * r;
          Path2D.Double p = new Path2D.Double();
          p.moveTo(-h, -h);
          p.lineTo(h, -h);
          p.lineTo(h, h);
          p.lineTo(-h, h);
          p.closePath();
          return p;
        }
      case TRIANGLE:
        {
          // Equilateral, apex up, shifted down so its bounding box is centred.
          double R = 1.08 * r;
          double shift = R / 4;
          Path2D.Double p = new Path2D.Double();
          for (int i = 0; i < 3; i++) {
            double a = Math.toRadians(-90 + 120 * i);
            double px = R * Math.cos(a);
            double py = R * Math.sin(a) + shift;
            if (i == 0) {
              p.moveTo(px, py);
            } else {
              p.lineTo(px, py);
            }
          }
          p.closePath();
          return p;
        }
      case STAR:
        {
          double outer = 1.08 * r;
          double inner = 0.46 * outer;
          double shift = outer * (1 - Math.cos(Math.toRadians(36))) / 2;
          Path2D.Double p = new Path2D.Double();
          for (int i = 0; i < 10; i++) {
            double rad = i % 2 == 0 ? outer : inner;
            double a = Math.toRadians(-90 + 36 * i);
            double px = rad * Math.cos(a);
            double py = rad * Math.sin(a) + shift;
            if (i == 0) {
              p.moveTo(px, py);
            } else {
              p.lineTo(px, py);
            }
          }
          p.closePath();
          return p;
        }
      case CROSS:
        {
          double arm = 0.92 * r;
          double half = 0.32 * r;
          Path2D.Double p = new Path2D.Double();
          p.moveTo(-half, -arm);
          p.lineTo(half, -arm);
          p.lineTo(half, -half);
          p.lineTo(arm, -half);
          p.lineTo(arm, half);
          p.lineTo(half, half);
          p.lineTo(half, arm);
          p.lineTo(-half, arm);
          p.lineTo(-half, half);
          p.lineTo(-arm, half);
          p.lineTo(-arm, -half);
          p.lineTo(-half, -half);
          p.closePath();
          return p;
        }
      default:
        throw new IllegalArgumentException("unknown kind " + kind);
    }
  }
}
