package dev.glimpse.ops.view;

import dev.glimpse.model.image.ImageDecoder;
import dev.glimpse.model.image.ImageException;
import dev.glimpse.model.image.ImageLimits;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Makes the small PNG a card shows from an event's image bytes, on the server: the browser only
 * ever gets a PNG the view encoded itself, never the stream's bytes. The bytes are decoded by the
 * pipeline's own {@link ImageDecoder} (the same refusals as ingest: too many pixels, truncated, not
 * an image), so a hostile upload cannot exhaust the view's memory either.
 */
final class Thumbnails {

  /** A picture, or a note that says why there is none. */
  record Preview(byte[] png, String note) {}

  private final ImageDecoder decoder;
  private final int size;

  Thumbnails(ViewSettings settings) {
    this.decoder =
        new ImageDecoder(new ImageLimits(ImageLimits.DEFAULT_MAX_BYTES, settings.maxPixels()));
    this.size = settings.thumbnailSize();
  }

  Preview of(byte[] bytes) {
    BufferedImage image;
    try {
      image = decoder.decodeRgb(bytes);
    } catch (ImageException e) {
      // the dead letter, when ingest writes one, says the rest; a limit only the view has is named
      return new Preview(
          null,
          "no preview: "
              + e.code()
              + (e.code() == ImageException.Code.TOO_MANY_PIXELS
                  ? " (over " + ViewSettings.MAX_PIXELS + ")"
                  : ""));
    }
    return new Preview(png(downscale(image)), "");
  }

  /**
   * Halves the image while it is over twice the size, then one bilinear step: a single bilinear
   * step from a large image would skip most pixels and alias.
   */
  private BufferedImage downscale(BufferedImage image) {
    BufferedImage current = image;
    while (Math.max(current.getWidth(), current.getHeight()) > 2 * size) {
      current =
          resize(
              current, Math.max(1, current.getWidth() / 2), Math.max(1, current.getHeight() / 2));
    }
    int longest = Math.max(current.getWidth(), current.getHeight());
    if (longest <= size) {
      return current;
    }
    double scale = size / (double) longest;
    return resize(
        current,
        Math.max(1, (int) Math.round(current.getWidth() * scale)),
        Math.max(1, (int) Math.round(current.getHeight() * scale)));
  }

  private static BufferedImage resize(BufferedImage image, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding a thumbnail in memory failed", e);
    }
    return out.toByteArray();
  }
}
