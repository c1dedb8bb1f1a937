package dev.glimpse.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files built byte by byte for the decoder tests, so that no binary needs shipping. The
 * expected colours in the tests were read from these exact bytes with Pillow 9.4.0 (Debian
 * bookworm's python3-pil, libjpeg62-turbo): {@code Image.open(f).convert("RGB")}.
 */
final class CraftedImages {

  /**
   * Raw samples of the four 8x8 blocks (top left, top right, bottom left, bottom right) of the
   * 16x16 four-component JPEGs. Read as Adobe CMYK they are inverted: 255 is no ink.
   */
  static final int[][] FOUR_COMPONENT_BLOCKS = {
    {255, 255, 255, 255}, // CMYK: no ink, white
    {0, 255, 255, 255}, // CMYK: full cyan
    {255, 127, 0, 255}, // CMYK: half magenta, full yellow: orange
    {215, 175, 135, 155} // CMYK: C 40, M 80, Y 120, K 100
  };

  private CraftedImages() {}

  /**
   * A 16x16 JPEG of {@link #FOUR_COMPONENT_BLOCKS} with an Adobe APP14 segment of {@code transform}
   * (0: the samples are CMYK, 2: they are YCCK). The JDK's writer stores a four-band raster as it
   * is, without colour conversion; at quality 1.0 flat 8x8 blocks come back exactly.
   */
  static byte[] fourComponentJpeg(int transform) {
    WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        raster.setPixel(x, y, FOUR_COMPONENT_BLOCKS[x / 8 + 2 * (y / 8)]);
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(1.0f);
      writer.write(null, new IIOImage(raster, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    byte[] jpeg = bytes.toByteArray();
    byte[] app14 =
        ByteBuffer.allocate(16)
            .put((byte) 0xFF)
            .put((byte) 0xEE)
            .putShort((short) 14)
            .put("Adobe".getBytes(StandardCharsets.US_ASCII))
            .putShort((short) 100)
            .putShort((short) 0)
            .putShort((short) 0)
            .put((byte) transform)
            .array();
    return insert(jpeg, 2, app14);
  }

  /**
   * An APP2 "ICC_PROFILE" segment: part {@code sequence} of {@code count}, holding {@code data}.
   */
  static byte[] iccSegment(int sequence, int count, byte[] data) {
    return ByteBuffer.allocate(4 + 14 + data.length)
        .put((byte) 0xFF)
        .put((byte) 0xE2)
        .putShort((short) (2 + 14 + data.length))
        .put("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII))
        .put((byte) sequence)
        .put((byte) count)
        .put(data)
        .array();
  }

  /** {@code jpeg} with {@code segment} right after its SOF0/SOF2 frame header. */
  static byte[] afterFrameHeader(byte[] jpeg, byte[] segment) {
    for (int p = 2; p + 4 <= jpeg.length; ) {
      int marker = jpeg[p + 1] & 0xFF;
      int length = (jpeg[p + 2] & 0xFF) << 8 | (jpeg[p + 3] & 0xFF);
      if (marker == 0xC0 || marker == 0xC2) {
        return insert(jpeg, p + 2 + length, segment);
      }
      p += 2 + length;
    }
    throw new IllegalArgumentException("no SOF0/SOF2 segment");
  }

  /**
   * A 4x1 RGBA PNG: opaque red, fully transparent green, blue at alpha 128, (10, 20, 30) at alpha
   * 1.
   */
  static byte[] rgbaPng() {
    BufferedImage image = new BufferedImage(4, 1, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(0, 0, 0xFFFF0000);
    image.setRGB(1, 0, 0x0000FF00);
    image.setRGB(2, 0, 0x800000FF);
    image.setRGB(3, 0, 0x010A141E);
    return write(image, "png");
  }

  /** A 3x1 gray+alpha PNG (colour type 4): gray 100 transparent, 200 at alpha 128, 50 opaque. */
  static byte[] grayAlphaPng() {
    return png(3, 1, 8, 4, new byte[] {100, 0, (byte) 200, (byte) 128, 50, (byte) 255});
  }

  /**
   * A 3x1 palette PNG whose tRNS makes entry 1 half transparent (alpha 100) and entry 2, green,
   * fully transparent.
   */
  static byte[] paletteWithTransparencyPng() {
    byte[] r = {10, (byte) 200, 0, 0};
    byte[] g = {20, 100, (byte) 200, 0};
    byte[] b = {30, 50, 0, 0};
    byte[] a = {(byte) 255, 100, 0, (byte) 255};
    IndexColorModel palette = new IndexColorModel(2, 4, r, g, b, a);
    BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
    for (int x = 0; x < 3; x++) {
      image.getRaster().setSample(x, 0, 0, x);
    }
    return write(image, "png");
  }

  /** A 3x1 16-bit gray PNG (Pillow's mode "I;16"): 100, 300, 65535. */
  static byte[] gray16Png() {
    BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
    int[] values = {100, 300, 65535};
    for (int x = 0; x < 3; x++) {
      image.getRaster().setSample(x, 0, 0, values[x]);
    }
    return write(image, "png");
  }

  /** A 2x1 16-bit gray+alpha PNG: gray 0x1234 at alpha 0x8000, gray 0xFF00 transparent. */
  static byte[] grayAlpha16Png() {
    return png(
        2, 1, 16, 4, new byte[] {0x12, 0x34, (byte) 0x80, 0x00, (byte) 0xFF, 0x00, 0x00, 0x00});
  }

  /**
   * A PNG of one row of samples {@code row} (filter type 0), in one IDAT, with IEND: the JDK's
   * writer cannot be told to write gray+alpha.
   */
  static byte[] png(int width, int height, int bitDepth, int colourType, byte[] row) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (int y = 0; y < height; y++) {
      raw.write(0);
      raw.writeBytes(row);
    }
    Deflater deflater = new Deflater();
    deflater.setInput(raw.toByteArray());
    deflater.finish();
    byte[] buffer = new byte[1 << 16];
    int n = deflater.deflate(buffer);
    deflater.end();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    chunk(
        png,
        "IHDR",
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) bitDepth)
            .put((byte) colourType)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0)
            .array());
    chunk(png, "IDAT", Arrays.copyOf(buffer, n));
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    png.writeBytes(typeBytes);
    png.writeBytes(data);
    png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /**
   * A GIF89a of one frame: a {@code screenWidth x screenHeight} logical screen with global colour
   * table {@code palette} (2^n RGB triples), the frame's {@code indices} at ({@code x}, {@code y}),
   * LZW-coded with minimum code size {@code minCodeSize} as literals only (a clear code before the
   * table fills), then the terminator and trailer.
   */
  static byte[] gif(
      int screenWidth,
      int screenHeight,
      byte[] palette,
      int x,
      int y,
      int width,
      int height,
      int[] indices,
      int minCodeSize) {
    int tableBits = Integer.numberOfTrailingZeros(palette.length / 3) - 1;
    ByteArrayOutputStream gif = new ByteArrayOutputStream();
    gif.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
    gif.writeBytes(le16(screenWidth, screenHeight));
    gif.writeBytes(new byte[] {(byte) (0x80 | tableBits), 0, 0});
    gif.writeBytes(palette);
    gif.write(',');
    gif.writeBytes(le16(x, y, width, height));
    gif.write(0); // no local table, not interlaced
    gif.write(minCodeSize);
    byte[] lzw = lzwLiterals(indices, minCodeSize);
    for (int i = 0; i < lzw.length; i += 255) {
      int n = Math.min(255, lzw.length - i);
      gif.write(n);
      gif.write(lzw, i, n);
    }
    gif.write(0);
    gif.write(0x3B);
    return gif.toByteArray();
  }

  /** Every index as its own literal code, codes widening as a decoder's table grows. */
  private static byte[] lzwLiterals(int[] indices, int minCodeSize) {
    int clear = 1 << minCodeSize;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long bits = 0;
    int count = 0;
    int codeSize = minCodeSize + 1;
    int next = clear + 2;
    boolean first = true;
    int[] codes = new int[indices.length * 2 + 2];
    int[] sizes = new int[codes.length];
    int n = 0;
    codes[n] = clear;
    sizes[n++] = codeSize;
    for (int index : indices) {
      codes[n] = index;
      sizes[n++] = codeSize;
      if (first) {
        first = false;
        continue;
      }
      // the decoder adds an entry for each code after the first, widening at 2^size - 1
      if (next == (1 << codeSize) - 1 && codeSize < 12) {
        codeSize++;
      }
      next++;
      if (next >= 4000) {
        codes[n] = clear;
        sizes[n++] = codeSize;
        codeSize = minCodeSize + 1;
        next = clear + 2;
        first = true;
      }
    }
    codes[n] = clear + 1;
    sizes[n++] = codeSize;
    for (int i = 0; i < n; i++) {
      bits |= (long) codes[i] << count;
      count += sizes[i];
      while (count >= 8) {
        out.write((int) (bits & 0xFF));
        bits >>>= 8;
        count -= 8;
      }
    }
    if (count > 0) {
      out.write((int) (bits & 0xFF));
    }
    return out.toByteArray();
  }

  private static byte[] le16(int... values) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    return b.array();
  }

  static byte[] insert(byte[] b, int at, byte[] more) {
    byte[] out = Arrays.copyOf(b, b.length + more.length);
    System.arraycopy(more, 0, out, at, more.length);
    System.arraycopy(b, at, out, at + more.length, b.length - at);
    return out;
  }

  static byte[] write(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
