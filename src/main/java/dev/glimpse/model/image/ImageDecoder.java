package dev.glimpse.model.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads PNG, JPEG and WebP files with ImageIO; refuses oversized files and pixel bombs from the
 * header, before any pixel is decoded.
 *
 * <p>Minimal copy for the kafka branch; the image engineer's version replaces it on merge.
 */
public final class ImageDecoder {
  private static final Set<String> SUPPORTED = Set.of("png", "jpeg", "webp");

  private final ImageLimits limits;

  public ImageDecoder(ImageLimits limits) {
    this.limits = limits;
  }

  /** Format and size from the header; the pixel data is not read (a truncated file passes). */
  public ImageHeader probe(byte[] bytes) {
    return withReader(bytes, (reader, header) -> header);
  }

  /** Decodes the whole image into 8-bit RGB; truncated or corrupt pixel data fails here. */
  public BufferedImage decodeRgb(byte[] bytes) {
    return withReader(
        bytes,
        (reader, header) -> {
          BufferedImage decoded = reader.read(0);
          BufferedImage rgb =
              new BufferedImage(header.width(), header.height(), BufferedImage.TYPE_INT_RGB);
          var g = rgb.createGraphics();
          try {
            g.drawImage(decoded, 0, 0, null);
          } finally {
            g.dispose();
          }
          return rgb;
        });
  }

  private interface ReaderStep<T> {
    T apply(ImageReader reader, ImageHeader header) throws IOException;
  }

  private <T> T withReader(byte[] bytes, ReaderStep<T> step) {
    if (bytes == null || bytes.length == 0) {
      throw new ImageException(ImageException.Code.EMPTY, "the image has no bytes: send a file");
    }
    if (bytes.length > limits.maxBytes()) {
      throw new ImageException(
          ImageException.Code.TOO_LARGE,
          "the image has "
              + bytes.length
              + " bytes, more than the limit of "
              + limits.maxBytes()
              + ": send a smaller file");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageException(
            ImageException.Code.NOT_AN_IMAGE,
            "the bytes are not an image file: send PNG, JPEG or WebP");
      }
      ImageReader reader = readers.next();
      try {
        String format = normalize(reader.getFormatName());
        if (!SUPPORTED.contains(format)) {
          throw new ImageException(
              ImageException.Code.UNSUPPORTED_FORMAT,
              "the image is " + format + ": send PNG, JPEG or WebP");
        }
        reader.setInput(in, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        long pixels = (long) width * height;
        if (width <= 0 || height <= 0 || pixels > limits.maxPixels()) {
          throw new ImageException(
              ImageException.Code.TOO_MANY_PIXELS,
              "the image is "
                  + width
                  + "x"
                  + height
                  + " pixels, more than the limit of "
                  + limits.maxPixels()
                  + ": scale it down");
        }
        return step.apply(reader, new ImageHeader(format, width, height));
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ImageException image) {
        throw image;
      }
      throw truncatedOrCorrupt(e);
    }
  }

  private static ImageException truncatedOrCorrupt(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (t instanceof EOFException || message.contains("end of") || message.contains("eof")) {
        return new ImageException(
            ImageException.Code.TRUNCATED, "the image file ends early: send the whole file", e);
      }
    }
    return new ImageException(
        ImageException.Code.CORRUPT,
        "the image file is damaged (" + e.getMessage() + "): send a valid file",
        e);
  }

  private static String normalize(String format) {
    String f = format.toLowerCase(Locale.ROOT);
    return f.equals("jpg") ? "jpeg" : f;
  }
}
