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
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes untrusted image bytes (PNG, JPEG, WebP, GIF first frame) into an RGB image, refusing
 * oversized input before any pixel is allocated.
 *
 * <p>The pixels are the ones transformers 5 hands to {@code CLIPImageProcessor}: Pillow's {@code
 * Image.open} followed by {@code convert_to_rgb}, which in 5.x is plain {@code
 * image.convert("RGB")} (an RGB image is kept). So, as Pillow's {@code Convert.c} does for each
 * mode: alpha is dropped, never composited (RGBA, LA, PA and 16-bit gray+alpha keep the colour
 * stored under a transparent pixel); palette colours are looked up and their tRNS or GIF
 * transparency ignored; gray becomes R = G = B, 1/2/4-bit gray scaled to 0..255; 16-bit RGB and
 * RGBA keep their high byte, and 16-bit gray ("I;16") is clipped to 255, not scaled; a JPEG goes
 * through {@link JpegColour} (libjpeg's colour conversion, CMYK and YCCK with Pillow's
 * inverted-CMYK formula, no ICC profile). Samples are read from the raster, never through {@code
 * getRGB}, which would gamma-convert grayscale.
 *
 * <p>What is accepted follows Pillow's plugins with {@code LOAD_TRUNCATED_IMAGES} off: a file whose
 * pixel data is whole loads even when what should follow it is missing (a PNG without IEND, a GIF
 * without its terminator and trailer: {@link PngChunks}, {@link GifFirstFrame}), while pixel data
 * that ends early is TRUNCATED, never half decoded.
 *
 * <p>One deviation from the Python pipeline, on purpose: the JPEG EXIF orientation is applied
 * (transformers feeds the stored pixels, so a phone photo would reach the model on its side).
 *
 * <p>Measured on the llava-tiny-a fixture: the JPEG path gives the same pixels as the libjpeg-turbo
 * behind Pillow for {@code photo.jpg} (baseline, 4:2:0).
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
      throw new ImageException(
          ImageException.Code.EMPTY, "the image is empty (0 bytes): send the image file's bytes");
    }
    if (bytes.length > limits.maxBytes()) {
      throw new ImageException(
          ImageException.Code.TOO_LARGE,
          "the image has "
              + bytes.length
              + " bytes, more than the limit of "
              + limits.maxBytes()
              + ": downscale or recompress it before sending");
    }
    // 2. the format from the magic bytes, then the dimensions from the header
    String format = ImageFormats.sniff(bytes);
    if (format.equals(ImageFormats.GIF)) {
      return checked(GifFirstFrame.header(bytes)); // the logical screen, as Pillow sizes it
    }
    ImageReader reader = reader(format);
    try (ImageInputStream in = stream(bytes)) {
      reader.setInput(in, true, true);
      return checked(new ImageHeader(format, reader.getWidth(0), reader.getHeight(0)));
    } catch (IOException | RuntimeException e) {
      throw unreadable(format, bytes, "its header", e);
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
    String format = header.format();
    BufferedImage rgb;
    switch (format) {
      case ImageFormats.JPEG -> {
        // raw components, converted as libjpeg and Pillow convert them
        JpegColour.Space space = JpegColour.guess(JpegMarkers.of(bytes));
        Raster raw = decode(format, bytes, header, reader -> reader.readRaster(0, null));
        rgb = ExifOrientation.apply(JpegColour.toRgb(raw, space), ExifOrientation.ofJpeg(bytes));
      }
      case ImageFormats.PNG -> {
        PngChunks.requireWholePixelData(bytes, header.width(), header.height());
        boolean gray16 = PngChunks.colorType(bytes) == 0 && PngChunks.bitDepth(bytes) == 16;
        rgb = toRgb(decode(format, bytes, header, reader -> reader.read(0)), gray16);
      }
      case ImageFormats.GIF -> rgb = gif(bytes);
      default -> rgb = toRgb(decode(format, bytes, header, reader -> reader.read(0)), false);
    }
    return rgb;
  }

  private static BufferedImage gif(byte[] bytes) {
    try {
      return GifFirstFrame.decodeRgb(bytes);
    } catch (ImageException e) {
      throw e;
    } catch (RuntimeException e) {
      throw unreadable(ImageFormats.GIF, bytes, "its pixel data", e);
    }
  }

  /** One read of the first image; IOException and decoder exceptions become ImageExceptions. */
  @FunctionalInterface
  private interface Read<T> {
    T from(ImageReader reader) throws IOException;
  }

  private static <T> T decode(String format, byte[] bytes, ImageHeader header, Read<T> read) {
    T decoded;
    ImageReader reader = reader(format);
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    try (ImageInputStream in = stream(bytes)) {
      reader.setInput(in, true, true);
      decoded = read.from(reader);
    } catch (IOException | RuntimeException e) {
      throw unreadable(format, bytes, "its pixel data", e);
    } finally {
      reader.dispose();
    }
    // a decoder that runs out of data may fill the rest and only warn
    for (String warning : warnings) {
      String w = warning.toLowerCase(Locale.ROOT);
      if (w.contains("premature end") || w.contains("truncated") || w.contains("missing eoi")) {
        throw new ImageException(
            ImageException.Code.TRUNCATED,
            "the "
                + name(format)
                + " image is cut off: the file ends before its pixel data does: send the complete file");
      }
    }
    int width = decoded instanceof Raster r ? r.getWidth() : ((BufferedImage) decoded).getWidth();
    int height =
        decoded instanceof Raster r ? r.getHeight() : ((BufferedImage) decoded).getHeight();
    if (width != header.width() || height != header.height()) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the "
              + name(format)
              + " image decodes to "
              + width
              + "x"
              + height
              + " pixels where its header declares "
              + header.width()
              + "x"
              + header.height()
              + ": re-encode the image");
    }
    return decoded;
  }

  private ImageHeader checked(ImageHeader header) {
    if (header.width() <= 0 || header.height() <= 0) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the "
              + name(header.format())
              + " header declares "
              + header.width()
              + "x"
              + header.height()
              + " pixels: re-encode the image");
    }
    if (header.pixels() > limits.maxPixels()) {
      throw new ImageException(
          ImageException.Code.TOO_MANY_PIXELS,
          "the image is "
              + header.width()
              + "x"
              + header.height()
              + " = "
              + header.pixels()
              + " pixels, more than the limit of "
              + limits.maxPixels()
              + ": downscale it before sending");
    }
    return header;
  }

  private static ImageReader reader(String format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new ImageException(
          ImageException.Code.UNSUPPORTED_FORMAT,
          "no "
              + format
              + " decoder is installed: add the ImageIO plugin for "
              + format
              + " to the classpath");
    }
    return readers.next();
  }

  private static ImageInputStream stream(byte[] bytes) {
    // in memory: ImageIO.createImageInputStream may spill a cache to the temp directory
    return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
  }

  /**
   * A decoder failure in plain words. The decoder's own text ("I/O error reading PNG header!", or
   * no text at all) stays in the cause, for the log, not in what the user reads.
   */
  private static ImageException unreadable(String format, byte[] bytes, String part, Throwable e) {
    if (e instanceof ImageException ie) {
      return ie;
    }
    if (format.equals(ImageFormats.JPEG) && JpegMarkers.endsBeforeScan(bytes)) {
      return new ImageException(
          ImageException.Code.TRUNCATED,
          "the JPEG image is cut off: the file ends inside its header, before the image data: send the complete file",
          e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException
          || (t.getMessage() != null
              && t.getMessage().toLowerCase(Locale.ROOT).contains("unexpected end"))) {
        return new ImageException(
            ImageException.Code.TRUNCATED,
            "the "
                + name(format)
                + " image is cut off: the file ends inside "
                + part
                + ": send the complete file",
            e);
      }
    }
    return new ImageException(
        ImageException.Code.CORRUPT,
        "the "
            + name(format)
            + " image is damaged: "
            + part
            + " cannot be decoded: re-encode it as "
            + ImageFormats.ACCEPTED
            + " and send it again",
        e);
  }

  /** The format as users write it: "PNG", "JPEG", "WebP", "GIF". */
  private static String name(String format) {
    return format.equals(ImageFormats.WEBP) ? "WebP" : format.toUpperCase(Locale.ROOT);
  }

  /**
   * Pillow's {@code convert("RGB")} on the decoded samples; see the class comment.
   *
   * @param gray16Clips the samples are 16-bit gray (PNG colour type 0, Pillow's "I;16"), which
   *     Pillow clips to 255 ({@code I16_RGB}) where every other 16-bit mode keeps the high byte
   */
  static BufferedImage toRgb(BufferedImage src, boolean gray16Clips) {
    int w = src.getWidth();
    int h = src.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    ColorModel cm = src.getColorModel();
    Raster raster = src.getRaster();
    if (cm instanceof IndexColorModel icm) {
      // 1. palette: look each index up; its alpha (tRNS, GIF transparency) is dropped
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          dst[y * w + x] =
              icm.getRed(row[x]) << 16 | icm.getGreen(row[x]) << 8 | icm.getBlue(row[x]);
        }
      }
      return out;
    }
    if (cm.isAlphaPremultiplied()
        || cm.getNumColorComponents() != 1 && cm.getNumColorComponents() != 3) {
      // 2. rare layouts: let Java2D produce non-premultiplied sRGB, then drop the alpha
      int[] argb = src.getRGB(0, 0, w, h, null, 0, w);
      for (int i = 0; i < argb.length; i++) {
        dst[i] = argb[i] & 0xFFFFFF;
      }
      return out;
    }
    // 3. gray or RGB samples, scaled to 8 bits; an alpha band after them is dropped
    int bands = raster.getNumBands();
    boolean gray = cm.getNumColorComponents() == 1;
    int bits = cm.getComponentSize(0);
    boolean clip = gray16Clips && gray && bits == 16;
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int i = x * bands;
        int r = clip ? Math.min(row[i], 255) : to8(row[i], bits);
        int g = gray ? r : to8(row[i + 1], bits);
        int b = gray ? r : to8(row[i + 2], bits);
        dst[y * w + x] = r << 16 | g << 8 | b;
      }
    }
    return out;
  }

  /**
   * 8-bit samples kept, 16-bit to the high byte (Pillow's ";16B" raw modes), 1/2/4-bit scaled to
   * 0..255.
   */
  private static int to8(int v, int bits) {
    if (bits == 8) {
      return v;
    }
    if (bits > 8) {
      return v >> (bits - 8);
    }
    return v * 255 / ((1 << bits) - 1);
  }
}
