package dev.glimpse.model.image;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The chunk layout of a PNG (length, type, data, CRC) checked the way Pillow's PNG plugin reads it,
 * with {@code LOAD_TRUNCATED_IMAGES} off (its default):
 *
 * <ol>
 *   <li>{@code _open}: every chunk before the first IDAT is whole and its CRC matches;
 *   <li>{@code load}: the zlib stream of the consecutive IDAT chunks inflates to every filtered
 *       scanline IHDR declares, else "image file is truncated";
 *   <li>{@code load_end}: the chunks after the one where the pixel data completed, up to IEND, are
 *       whole once their 8-byte header is there. The file may simply stop instead: a missing IEND,
 *       or a missing CRC of the last chunk, still loads.
 * </ol>
 */
final class PngChunks {

  private static final int SIGNATURE = 8;
  private static final int IHDR_END = SIGNATURE + 8 + 13;

  private PngChunks() {}

  /**
   * Throws TRUNCATED or CORRUPT unless the file holds what Pillow needs to load it (class comment).
   */
  static void requireWholePixelData(byte[] b, int width, int height) {
    requireChecksumsBeforePixelData(b);
    long expected = filteredBytes(width, height, bitDepth(b), colorType(b), interlaced(b));
    long[] inflated = inflatedIdatBytes(b, expected);
    if (inflated[0] < expected) {
      throw new ImageException(
          ImageException.Code.TRUNCATED,
          "the PNG image is cut off: its pixel data holds "
              + inflated[0]
              + " of the "
              + expected
              + " bytes its header declares: send the complete file");
    }
    requireWholeChunksAfter(b, inflated[1]);
  }

  /**
   * Pillow's {@code _open} checks the CRC of every chunk before the first IDAT ("broken PNG file
   * (bad header checksum ...)"), ancillary ones too unless {@code LOAD_TRUNCATED_IMAGES} is on; the
   * JDK's reader checks none.
   */
  private static void requireChecksumsBeforePixelData(byte[] b) {
    long p = SIGNATURE;
    while (p + 8 <= b.length) {
      long length = u32(b, (int) p);
      String type = new String(b, (int) p + 4, 4, StandardCharsets.ISO_8859_1);
      if (type.equals("IDAT") || type.equals("IEND")) {
        return;
      }
      if (p + 12 + length > b.length) {
        throw cutOff(type, ", before the pixel data");
      }
      CRC32 crc = new CRC32();
      crc.update(b, (int) p + 4, (int) length + 4);
      if (crc.getValue() != u32(b, (int) (p + 8 + length))) {
        throw new ImageException(
            ImageException.Code.CORRUPT,
            "the PNG image is damaged: the checksum of its '"
                + printable(type)
                + "' chunk does not match: re-encode the image");
      }
      p += 12 + length;
    }
  }

  /**
   * Pillow's {@code load_end}: after the chunk in which the pixel data completed, it reads chunk
   * after chunk up to IEND. A header that is not all there ends the file quietly, but a chunk whose
   * header is there and whose data is cut off is its "Truncated File Read" error.
   */
  private static void requireWholeChunksAfter(byte[] b, long p) {
    while (p + 8 <= b.length) {
      long length = u32(b, (int) p);
      if (b[(int) p + 4] == 'I'
          && b[(int) p + 5] == 'E'
          && b[(int) p + 6] == 'N'
          && b[(int) p + 7] == 'D') {
        return;
      }
      if (p + 8 + length > b.length) {
        String type = new String(b, (int) p + 4, 4, StandardCharsets.ISO_8859_1);
        throw cutOff(type, " after the pixel data");
      }
      p += 12 + length;
    }
  }

  /** A chunk whose data the file does not hold in full; {@code where} places it. */
  private static ImageException cutOff(String type, String where) {
    return new ImageException(
        ImageException.Code.TRUNCATED,
        "the PNG image is cut off inside its '"
            + printable(type)
            + "' chunk"
            + where
            + ": send the complete file");
  }

  private static String printable(String type) {
    return type.chars().allMatch(c -> c >= 0x21 && c <= 0x7E) ? type : "unnamed";
  }

  /** The IHDR colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), -1 if unreadable. */
  static int colorType(byte[] b) {
    return b.length >= IHDR_END ? b[25] & 0xFF : -1;
  }

  /** The IHDR bit depth per sample (1, 2, 4, 8 or 16), -1 if unreadable. */
  static int bitDepth(byte[] b) {
    return b.length >= IHDR_END ? b[24] & 0xFF : -1;
  }

  private static boolean interlaced(byte[] b) {
    return b.length >= IHDR_END && b[28] == 1;
  }

  /**
   * Bytes of filtered scanlines (a filter byte per row), summed over Adam7's passes if interlaced.
   */
  private static long filteredBytes(
      int width, int height, int bitDepth, int colorType, boolean interlaced) {
    int channels =
        switch (colorType) {
          case 0, 3 -> 1;
          case 2 -> 3;
          case 4 -> 2;
          case 6 -> 4;
          default ->
              throw new ImageException(
                  ImageException.Code.CORRUPT,
                  "the PNG header declares colour type "
                      + colorType
                      + ", which PNG does not have: re-encode the image");
        };
    long bitsPerPixel = (long) channels * bitDepth;
    if (!interlaced) {
      return height * (1 + (width * bitsPerPixel + 7) / 8);
    }
    // Adam7: (x start, y start, x step, y step) of each of the seven passes
    int[][] passes = {
      {0, 0, 8, 8},
      {4, 0, 8, 8},
      {0, 4, 4, 8},
      {2, 0, 4, 4},
      {0, 2, 2, 4},
      {1, 0, 2, 2},
      {0, 1, 1, 2}
    };
    long total = 0;
    for (int[] p : passes) {
      long w = (width - p[0] + p[2] - 1) / p[2];
      long h = (height - p[1] + p[3] - 1) / p[3];
      if (w > 0 && h > 0) {
        total += h * (1 + (w * bitsPerPixel + 7) / 8);
      }
    }
    return total;
  }

  /**
   * Inflates the first run of IDAT chunks (a chunk cut short gives what it has) and counts the
   * output, stopping once {@code enough} bytes came out; nothing is kept.
   *
   * @return the bytes inflated, and the offset of the chunk after the one where inflating stopped
   */
  private static long[] inflatedIdatBytes(byte[] b, long enough) {
    Inflater inflater = new Inflater();
    byte[] sink = new byte[1 << 16];
    long total = 0;
    boolean seenIdat = false;
    try {
      long p = SIGNATURE;
      while (p + 8 <= b.length && total < enough && !inflater.finished()) {
        long length = u32(b, (int) p);
        boolean idat =
            b[(int) p + 4] == 'I'
                && b[(int) p + 5] == 'D'
                && b[(int) p + 6] == 'A'
                && b[(int) p + 7] == 'T';
        if (!idat && seenIdat) {
          break; // Pillow reads the pixel data from consecutive IDAT chunks only
        }
        if (idat) {
          seenIdat = true;
          int start = (int) p + 8;
          int available = (int) Math.min(length, b.length - start);
          inflater.setInput(b, start, available);
          while (total < enough && !inflater.finished() && !inflater.needsInput()) {
            int n = inflater.inflate(sink);
            total += n;
            if (n == 0 && inflater.needsDictionary()) {
              return new long[] {
                total, p
              }; // PNG allows no preset dictionary: nothing more comes out
            }
          }
        }
        p += 12 + length;
      }
      return new long[] {total, p};
    } catch (DataFormatException e) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the PNG pixel data is damaged (its compressed stream is invalid): re-encode the image",
          e);
    } finally {
      inflater.end();
    }
  }

  private static long u32(byte[] b, int p) {
    return (b[p] & 0xFFL) << 24
        | (b[p + 1] & 0xFFL) << 16
        | (b[p + 2] & 0xFFL) << 8
        | (b[p + 3] & 0xFFL);
  }
}
