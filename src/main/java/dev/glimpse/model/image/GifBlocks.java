package dev.glimpse.model.image;

import java.util.Arrays;

/**
 * The block layout of a GIF up to its first image, and whether that image's LZW data is whole.
 *
 * <p>Pillow's GIF decoder ({@code GifDecode.c}) is done when it has written every pixel of the
 * frame; it does not need the sub-block terminator or the 0x3B trailer after them, so a file that
 * simply stops there loads. Pixel data that ends before every pixel is written is its "image file
 * is truncated" error. The JDK's reader fails on the missing terminator, so such a file is handed to
 * it with the two missing bytes put back.
 */
final class GifBlocks {

  private static final int MAX_CODES = 4096;
  private static final int MAX_CODE_BITS = 12;

  private GifBlocks() {}

  /**
   * The bytes to give the decoder: {@code b} itself, or {@code b} with the terminator and trailer
   * that Pillow does without put back.
   *
   * @throws ImageException TRUNCATED if the first image's pixels are not all there, CORRUPT if its
   *     LZW data cannot be decoded
   */
  static byte[] wholeFirstFrame(byte[] b) {
    int p = 13; // header (6) and logical screen descriptor (7)
    if (b.length < p) {
      throw cutOff("before its logical screen descriptor ends");
    }
    p += colourTableBytes(b[10]);
    while (true) {
      if (p >= b.length) {
        throw cutOff("before its first image");
      }
      int introducer = b[p] & 0xFF;
      if (introducer == 0x21) { // extension: label, then sub-blocks
        p = skipSubBlocks(b, p + 2);
      } else if (introducer == 0x2C) {
        return imageData(b, p);
      } else if (introducer == 0x3B) {
        throw new ImageException(
            ImageException.Code.CORRUPT, "the GIF file ends (trailer 0x3B) before any image in it: re-encode the image");
      } else {
        throw new ImageException(
            ImageException.Code.CORRUPT,
            "the GIF file has an unknown block type 0x" + Integer.toHexString(introducer) + " at byte " + p
                + " before its first image: re-encode the image");
      }
    }
  }

  private static byte[] imageData(byte[] b, int descriptor) {
    if (descriptor + 11 > b.length) {
      throw cutOff("inside its first image descriptor");
    }
    long pixels = (long) u16(b, descriptor + 5) * u16(b, descriptor + 7);
    int p = descriptor + 10 + colourTableBytes(b[descriptor + 9]);
    if (p >= b.length) {
      throw cutOff("before its first image's pixel data");
    }
    Lzw lzw = new Lzw(b[p] & 0xFF, pixels);
    p++;
    while (true) {
      if (p >= b.length || p + 1 + (b[p] & 0xFF) > b.length) {
        // the file stops here: fine for Pillow once every pixel is written, a partial sub-block included
        if (!lzw.complete()) {
          throw cutOff("after " + lzw.written() + " of the " + pixels + " pixels of its first image");
        }
        byte[] patched = Arrays.copyOf(b, p + 2);
        patched[p] = 0x00; // sub-block terminator
        patched[p + 1] = 0x3B; // trailer
        return patched;
      }
      int size = b[p] & 0xFF;
      if (size == 0) {
        if (!lzw.complete()) {
          throw cutOff("after " + lzw.written() + " of the " + pixels + " pixels of its first image");
        }
        return b;
      }
      lzw.feed(b, p + 1, size);
      p += 1 + size;
    }
  }

  private static int colourTableBytes(byte packed) {
    return (packed & 0x80) != 0 ? 3 * (1 << ((packed & 7) + 1)) : 0;
  }

  private static int skipSubBlocks(byte[] b, int p) {
    while (true) {
      if (p >= b.length) {
        throw cutOff("inside an extension block before its first image");
      }
      int size = b[p] & 0xFF;
      p += 1 + size;
      if (size == 0) {
        return p;
      }
    }
  }

  private static ImageException cutOff(String where) {
    return new ImageException(ImageException.Code.TRUNCATED, "the GIF image is cut off " + where + ": send the complete file");
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
  }

  /**
   * Counts the pixels an LZW stream writes, with Pillow's rules: minimum code size 0..12, the table
   * grows to 4096 entries, an end code only pauses the decoder (codes after it are read on), a code
   * beyond the next free entry is a broken stream. String lengths are tracked, not the strings.
   */
  private static final class Lzw {
    private final long pixels;
    private final int clear;
    private final int end;
    private final int[] length = new int[MAX_CODES];
    private int codeSize;
    private int next;
    private int lastCode = -1;
    private long written;
    private int bitBuffer;
    private int bitCount;

    Lzw(int minCodeSize, long pixels) {
      if (minCodeSize > MAX_CODE_BITS) {
        throw new ImageException(
            ImageException.Code.CORRUPT,
            "the GIF image's LZW code size is " + minCodeSize + ", more than the 12 bits LZW allows: re-encode the image");
      }
      this.pixels = pixels;
      this.clear = 1 << minCodeSize;
      this.end = clear + 1;
      Arrays.fill(length, 0, clear, 1);
      reset();
    }

    boolean complete() {
      return written >= pixels;
    }

    long written() {
      return written;
    }

    void feed(byte[] b, int offset, int size) {
      for (int i = offset; i < offset + size && !complete(); i++) {
        bitBuffer |= (b[i] & 0xFF) << bitCount;
        bitCount += 8;
        while (bitCount >= codeSize && !complete()) {
          int code = bitBuffer & ((1 << codeSize) - 1);
          bitBuffer >>>= codeSize;
          bitCount -= codeSize;
          decode(code);
        }
      }
    }

    private void reset() {
      codeSize = Integer.numberOfTrailingZeros(clear) + 1;
      next = clear + 2;
      lastCode = -1;
    }

    private void decode(int code) {
      if (code == clear) {
        reset();
        return;
      }
      if (code == end) {
        return;
      }
      if (lastCode < 0) { // first code after a clear: a literal
        if (code > clear) {
          throw broken();
        }
        written += 1;
        lastCode = code;
        return;
      }
      if (code > next) {
        throw broken();
      }
      int stringLength = code == next ? length[lastCode] + 1 : length[code];
      written += stringLength;
      if (next < MAX_CODES) {
        length[next] = length[lastCode] + 1;
        if (next == (1 << codeSize) - 1 && codeSize < MAX_CODE_BITS) {
          codeSize++;
        }
        next++;
      }
      lastCode = code;
    }

    private static ImageException broken() {
      return new ImageException(
          ImageException.Code.CORRUPT, "the GIF image's LZW pixel data is damaged (a code out of range): re-encode the image");
    }
  }
}
