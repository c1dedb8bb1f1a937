package dev.glimpse.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes untrusted image bytes (PNG, JPEG, WebP, GIF first frame) into an RGB image, refusing
 * oversized input before any pixel is allocated.
 *
 * <p>The RGB conversion reproduces transformers' {@code convert_to_rgb}: an RGB image is kept; any
 * other mode goes through Pillow's {@code convert("RGBA")} and is alpha-composited onto opaque
 * white ({@code Image.alpha_composite}, integer arithmetic), so transparent pixels become white,
 * grayscale becomes R = G = B, and palette colours are looked up (with their tRNS alpha). Samples
 * are read from the raster, never through {@code getRGB}, which would gamma-convert grayscale.
 *
 * <p>Deviations from the Python pipeline, on purpose: the JPEG EXIF orientation is applied
 * (transformers feeds the stored pixels, so a phone photo would reach the model on its side); a
 * 16-bit grayscale PNG is scaled to 8 bits by its high byte, as Pillow does for 16-bit RGB (Pillow
 * clips 16-bit grayscale to 255 instead).
 *
 * <p>Measured on the llava-tiny-a fixture: ImageIO's JPEG decoder gives the same pixels as the
 * libjpeg-turbo behind Pillow for {@code photo.jpg} (baseline, 4:2:0).
 */
public final class ImageDecoder {

  private final ImageLimits limits;

  public ImageDecoder(ImageLimits limits) {
    this.limits = limits;
  }

  public ImageLimits limits() {
    return limits;
  }

  /**
   * Reads the format and size from the header only, checking the byte and pixel limits.
   *
   * @throws ImageException EMPTY, TOO_LARGE, NOT_AN_IMAGE, UNSUPPORTED_FORMAT, TOO_MANY_PIXELS,
   *     TRUNCATED or CORRUPT
   */
  public ImageHeader probe(byte[] bytes) {
    // 1. size checks need no parsing
    if (bytes == null || bytes.length == 0) {
      throw new ImageException(ImageException.Code.EMPTY, "the image is empty (0 bytes); send the image file's bytes");
    }
    if (bytes.length > limits.maxBytes()) {
      throw new ImageException(
          ImageException.Code.TOO_LARGE,
          "the image has " + bytes.length + " bytes, more than the limit of " + limits.maxBytes()
              + "; downscale or recompress it before sending");
    }
    // 2. the format from the magic bytes, then the dimensions from the header
    String format = ImageFormats.sniff(bytes);
    ImageReader reader = reader(format);
    try (ImageInputStream in = stream(bytes)) {
      reader.setInput(in, true, true);
      return checked(new ImageHeader(format, reader.getWidth(0), reader.getHeight(0)));
    } catch (IOException | RuntimeException e) {
      throw unreadable(format, e);
    } finally {
      reader.dispose();
    }
  }

  /**
   * Probes, decodes, applies the JPEG EXIF orientation and converts to RGB.
   *
   * @return a {@link BufferedImage#TYPE_INT_RGB} image
   * @throws ImageException as {@link #probe}; a cut-off file is TRUNCATED, never half decoded
   */
  public BufferedImage decodeRgb(byte[] bytes) {
    ImageHeader header = probe(bytes);
    // 1. a PNG must hold whole chunks up to IEND (decoders may fill missing rows with grey)
    if (header.format().equals(ImageFormats.PNG)) {
      PngChunks.requireComplete(bytes);
    }
    // 2. decode the first image; a decoder warning about missing data means a truncated file
    BufferedImage decoded;
    ImageReader reader = reader(header.format());
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    try (ImageInputStream in = stream(bytes)) {
      reader.setInput(in, true, true);
      decoded = reader.read(0);
    } catch (IOException | RuntimeException e) {
      throw unreadable(header.format(), e);
    } finally {
      reader.dispose();
    }
    for (String warning : warnings) {
      String w = warning.toLowerCase(java.util.Locale.ROOT);
      if (w.contains("premature end") || w.contains("truncated") || w.contains("missing eoi")) {
        throw new ImageException(
            ImageException.Code.TRUNCATED,
            "the " + header.format() + " image is cut off (" + warning + "); send the complete file");
      }
    }
    if (decoded == null || decoded.getWidth() != header.width() || decoded.getHeight() != header.height()) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the " + header.format() + " image decodes to a different size than its header declares; re-encode the image");
    }
    // 3. transformers' convert_to_rgb, then the EXIF orientation
    boolean ignoreAlpha = header.format().equals(ImageFormats.PNG) && PngChunks.colorType(bytes) == 2;
    BufferedImage rgb = toRgb(decoded, ignoreAlpha);
    if (header.format().equals(ImageFormats.JPEG)) {
      rgb = ExifOrientation.apply(rgb, ExifOrientation.ofJpeg(bytes));
    }
    return rgb;
  }

  private ImageHeader checked(ImageHeader header) {
    if (header.width() <= 0 || header.height() <= 0) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the " + header.format() + " header declares " + header.width() + "x" + header.height() + " pixels; re-encode the image");
    }
    if (header.pixels() > limits.maxPixels()) {
      throw new ImageException(
          ImageException.Code.TOO_MANY_PIXELS,
          "the image is " + header.width() + "x" + header.height() + " = " + header.pixels()
              + " pixels, more than the limit of " + limits.maxPixels() + "; downscale it before sending");
    }
    return header;
  }

  private static ImageReader reader(String format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new ImageException(
          ImageException.Code.UNSUPPORTED_FORMAT,
          "no " + format + " decoder is installed; add the ImageIO plugin for " + format + " to the classpath");
    }
    return readers.next();
  }

  private static ImageInputStream stream(byte[] bytes) {
    // in memory: ImageIO.createImageInputStream may spill a cache to the temp directory
    return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
  }

  private static ImageException unreadable(String format, Throwable e) {
    if (e instanceof ImageException ie) {
      return ie;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException
          || (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("unexpected end"))) {
        return new ImageException(
            ImageException.Code.TRUNCATED,
            "the " + format + " image is cut off (" + t.getMessage() + "); send the complete file", e);
      }
    }
    String message = String.valueOf(e.getMessage());
    if (format.equals(ImageFormats.JPEG) && message.contains("Unsupported Image Type")) {
      return new ImageException(
          ImageException.Code.UNSUPPORTED_FORMAT,
          "this JPEG uses a colour space the decoder does not support (CMYK or YCCK); convert it to an RGB JPEG or PNG", e);
    }
    return new ImageException(
        ImageException.Code.CORRUPT,
        "the " + format + " image cannot be decoded (" + e.getClass().getSimpleName() + ": " + message + "); re-encode the image", e);
  }

  /** transformers' convert_to_rgb on the decoded samples; see the class comment. */
  static BufferedImage toRgb(BufferedImage src, boolean ignoreAlpha) {
    int w = src.getWidth();
    int h = src.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    ColorModel cm = src.getColorModel();
    Raster raster = src.getRaster();
    if (cm instanceof IndexColorModel icm) {
      // 1. palette: look each index up, with the palette's alpha
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int argb = icm.getRGB(row[x]);
          dst[y * w + x] = onWhite(argb >> 16 & 0xFF, argb >> 8 & 0xFF, argb & 0xFF, argb >>> 24);
        }
      }
      return out;
    }
    if (cm.isAlphaPremultiplied() || cm.getNumColorComponents() != 1 && cm.getNumColorComponents() != 3) {
      // 2. rare layouts: let Java2D produce non-premultiplied sRGB
      int[] argb = src.getRGB(0, 0, w, h, null, 0, w);
      for (int i = 0; i < argb.length; i++) {
        int a = ignoreAlpha ? 255 : argb[i] >>> 24;
        dst[i] = onWhite(argb[i] >> 16 & 0xFF, argb[i] >> 8 & 0xFF, argb[i] & 0xFF, a);
      }
      return out;
    }
    // 3. gray or RGB samples, optionally followed by alpha, scaled to 8 bits
    int bands = raster.getNumBands();
    boolean gray = cm.getNumColorComponents() == 1;
    boolean alpha = cm.hasAlpha() && !ignoreAlpha;
    int alphaBand = gray ? 1 : 3;
    int bits = cm.getComponentSize(0);
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int i = x * bands;
        int r = to8(row[i], bits);
        int g = gray ? r : to8(row[i + 1], bits);
        int b = gray ? r : to8(row[i + 2], bits);
        int a = alpha ? to8(row[i + alphaBand], cm.getComponentSize(alphaBand)) : 255;
        dst[y * w + x] = onWhite(r, g, b, a);
      }
    }
    return out;
  }

  private static int to8(int v, int bits) {
    if (bits == 8) {
      return v;
    }
    if (bits > 8) {
      return v >> (bits - 8);
    }
    return v * 255 / ((1 << bits) - 1);
  }

  /**
   * Pillow's {@code alpha_composite(white, RGBA)} for one pixel: 7 extra bits of precision and a
   * rounded division by 255.
   */
  static int onWhite(int r, int g, int b, int a) {
    if (a == 255) {
      return r << 16 | g << 8 | b;
    }
    if (a == 0) {
      return 0xFFFFFF;
    }
    int precision = 7;
    int outA255 = a * 255 + 255 * (255 - a);
    int coef1 = a * 255 * 255 * (1 << precision) / outA255;
    int coef2 = 255 * (1 << precision) - coef1;
    return blend(r, coef1, coef2) << 16 | blend(g, coef1, coef2) << 8 | blend(b, coef1, coef2);
  }

  private static int blend(int c, int coef1, int coef2) {
    int tmp = c * coef1 + 255 * coef2 + (0x80 << 7);
    return (((tmp >> 8) + tmp) >> 8) >> 7;
  }
}
