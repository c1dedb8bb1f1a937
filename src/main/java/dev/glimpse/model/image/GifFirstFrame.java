package dev.glimpse.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;

/**
 * The first frame of a GIF, read and decoded as Pillow's {@code GifImagePlugin} and {@code
 * GifDecode.c} do, because the JDK's reader differs from them where users notice:
 *
 * <ul>
 *   <li>the image is the logical screen (grown to hold the frame if the frame reaches past it), not
 *       the frame alone; outside the frame it holds the transparent index if the frame has one,
 *       else index 0;
 *   <li>an LZW minimum code size of 0..12 is decoded (the JDK refuses anything above 8);
 *   <li>the file may stop once every pixel is written: the sub-block terminator and the 0x3B
 *       trailer may be missing. Pixel data that ends before then is TRUNCATED (Pillow's "image file
 *       is truncated"), a partial last sub-block included, since Pillow decodes whole sub-blocks
 *       only;
 *   <li>an end code only pauses Pillow's decoder: codes after it are read on.
 * </ul>
 *
 * <p>Colours are Pillow's {@code convert("RGB")} of the frame: the palette (local, else global)
 * looked up with the transparency ignored, an index past the palette's end black; without a
 * palette, or with one that is the gray ramp (i, i, i), the index is the gray level (mode "L").
 */
final class GifFirstFrame {

  private static final int MAX_CODES = 4096;
  private static final int MAX_CODE_BITS = 12;

  private final int width;
  private final int height;
  private final int frameX;
  private final int frameY;
  private final int frameWidth;
  private final int frameHeight;
  private final boolean interlaced;
  private final int transparency; // -1: none
  private final byte[] palette; // RGB triples; null: gray levels
  private final int minCodeSize;
  private final int data; // offset of the first sub-block of pixel data

  private GifFirstFrame(byte[] b) {
    if (b.length < 13) {
      throw cutOff("before its logical screen descriptor ends");
    }
    int screenWidth = u16(b, 6);
    int screenHeight = u16(b, 8);
    int p = 13;
    byte[] global = null;
    if ((b[10] & 0x80) != 0) {
      int size = 3 << ((b[10] & 7) + 1);
      global = slice(b, p, size);
      p += size;
    }
    // 1. extensions until the first image descriptor; a graphic control extension sets transparency
    int transparent = -1;
    while (true) {
      if (p >= b.length) {
        throw cutOff("before its first image");
      }
      int introducer = b[p] & 0xFF;
      if (introducer == 0x2C) {
        break;
      }
      if (introducer == 0x3B) {
        throw new ImageException(
            ImageException.Code.CORRUPT,
            "the GIF file ends (trailer 0x3B) before any image in it: re-encode the image");
      }
      if (introducer == 0x21) {
        if (p + 2 >= b.length) {
          throw cutOff("inside an extension block before its first image");
        }
        int label = b[p + 1] & 0xFF;
        int first = p + 2;
        int firstSize = b[first] & 0xFF;
        if (label == 0xF9
            && firstSize >= 4
            && first + 1 + firstSize <= b.length
            && (b[first + 1] & 1) != 0) {
          transparent = b[first + 4] & 0xFF;
        }
        p = skipSubBlocks(b, first);
      } else {
        p++; // Pillow reads past a byte that starts no block
      }
    }
    // 2. the image descriptor, its local colour table and LZW code size
    if (p + 10 > b.length) {
      throw cutOff("inside its first image descriptor");
    }
    frameX = u16(b, p + 1);
    frameY = u16(b, p + 3);
    frameWidth = u16(b, p + 5);
    frameHeight = u16(b, p + 7);
    int flags = b[p + 9] & 0xFF;
    interlaced = (flags & 0x40) != 0;
    p += 10;
    byte[] local = null;
    if ((flags & 0x80) != 0) {
      int size = 3 << ((flags & 7) + 1);
      local = slice(b, p, size);
      p += size;
    }
    if (p >= b.length) {
      throw cutOff("before its first image's pixel data");
    }
    minCodeSize = b[p] & 0xFF;
    if (minCodeSize > MAX_CODE_BITS) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the GIF image's LZW code size is "
              + minCodeSize
              + ", more than the 12 bits LZW allows: re-encode the image");
    }
    data = p + 1;
    width = Math.max(screenWidth, frameX + frameWidth);
    height = Math.max(screenHeight, frameY + frameHeight);
    transparency = transparent;
    byte[] chosen = local != null ? local : global;
    palette = chosen == null || isGrayRamp(chosen) ? null : chosen;
  }

  /** The size Pillow gives the image, read without decoding a pixel. */
  static ImageHeader header(byte[] b) {
    GifFirstFrame frame = new GifFirstFrame(b);
    return new ImageHeader(ImageFormats.GIF, frame.width, frame.height);
  }

  /** The first frame on its logical screen, as RGB. */
  static BufferedImage decodeRgb(byte[] b) {
    GifFirstFrame frame = new GifFirstFrame(b);
    byte[] indices = frame.indices(b);
    BufferedImage out = new BufferedImage(frame.width, frame.height, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    for (int i = 0; i < dst.length; i++) {
      dst[i] = frame.rgb(indices[i] & 0xFF);
    }
    return out;
  }

  private int rgb(int index) {
    if (palette == null) {
      return index * 0x010101;
    }
    if (3 * index + 2 >= palette.length) {
      return 0; // Pillow's palette is zero past the colours the file gives
    }
    return (palette[3 * index] & 0xFF) << 16
        | (palette[3 * index + 1] & 0xFF) << 8
        | (palette[3 * index + 2] & 0xFF);
  }

  /**
   * Decodes the LZW data into palette indices on the screen, Pillow's way (see the class comment).
   */
  private byte[] indices(byte[] b) {
    byte[] screen = new byte[Math.multiplyExact(width, height)];
    if (transparency >= 0) {
      Arrays.fill(screen, (byte) transparency);
    }
    Rows rows = new Rows();
    Lzw lzw = new Lzw(minCodeSize);
    int p = data;
    while (!rows.done()) {
      if (p >= b.length || p + 1 + (b[p] & 0xFF) > b.length) {
        throw cutOff(
            "after "
                + rows.written
                + " of the "
                + (long) frameWidth * frameHeight
                + " pixels of its first image");
      }
      int size = b[p] & 0xFF;
      if (size == 0) {
        // Pillow's decoder takes a zero length as an empty sub-block and reads on into what follows
        p++;
        continue;
      }
      for (int i = p + 1; i < p + 1 + size && !rows.done(); i++) {
        lzw.feed(b[i] & 0xFF, rows, screen);
      }
      p += 1 + size;
    }
    return screen;
  }

  private static boolean isGrayRamp(byte[] palette) {
    for (int i = 0; i < palette.length / 3; i++) {
      if ((palette[3 * i] & 0xFF) != i
          || (palette[3 * i + 1] & 0xFF) != i
          || (palette[3 * i + 2] & 0xFF) != i) {
        return false;
      }
    }
    return true;
  }

  private static byte[] slice(byte[] b, int p, int size) {
    if (p + size > b.length) {
      throw cutOff("inside a colour table");
    }
    return Arrays.copyOfRange(b, p, p + size);
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
    return new ImageException(
        ImageException.Code.TRUNCATED,
        "the GIF image is cut off " + where + ": send the complete file");
  }

  private static int u16(byte[] b, int p) {
    return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
  }

  /** Where the next pixel of the frame goes: row by row, or in Adam-style interlace passes. */
  private final class Rows {
    private int x;
    private int y;
    private int pass;
    private long written;

    boolean done() {
      return frameWidth == 0 || y >= frameHeight;
    }

    void put(int index, byte[] screen) {
      if (index != transparency) {
        screen[(frameY + y) * width + frameX + x] = (byte) index;
      }
      written++;
      if (++x < frameWidth) {
        return;
      }
      x = 0;
      if (!interlaced) {
        y++;
        return;
      }
      // passes: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1
      int[] start = {0, 4, 2, 1};
      int[] step = {8, 8, 4, 2};
      y += step[pass];
      while (y >= frameHeight && pass < 3) {
        pass++;
        y = start[pass];
      }
    }
  }

  /** Pillow's LZW decoder, pixel by pixel: codes of growing width, least significant bit first. */
  private static final class Lzw {
    private final int clear;
    private final int end;
    private final int[] link = new int[MAX_CODES];
    private final byte[] suffix = new byte[MAX_CODES];
    private final byte[] stack = new byte[MAX_CODES + 1];
    private int codeSize;
    private int next;
    private int lastCode = -1;
    private int lastFirst;
    private int bitBuffer;
    private int bitCount;

    Lzw(int minCodeSize) {
      clear = 1 << minCodeSize;
      end = clear + 1;
      reset();
    }

    void feed(int octet, Rows rows, byte[] screen) {
      bitBuffer |= octet << bitCount;
      bitCount += 8;
      while (bitCount >= codeSize && !rows.done()) {
        int code = bitBuffer & ((1 << codeSize) - 1);
        bitBuffer >>>= codeSize;
        bitCount -= codeSize;
        decode(code, rows, screen);
      }
    }

    private void reset() {
      codeSize = Integer.numberOfTrailingZeros(clear) + 1;
      next = clear + 2;
      lastCode = -1;
    }

    private void decode(int code, Rows rows, byte[] screen) {
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
        lastCode = code;
        lastFirst = code;
        rows.put(code & 0xFF, screen);
        return;
      }
      if (code > next) {
        throw broken();
      }
      // the string of code, last character first; for code == next it is last string + its first
      // character
      int depth = 0;
      int c = code;
      if (code == next) {
        stack[depth++] = (byte) lastFirst;
        c = lastCode;
      }
      while (c >= clear) {
        if (depth >= stack.length - 1 || c >= MAX_CODES) {
          throw broken();
        }
        stack[depth++] = suffix[c];
        c = link[c];
      }
      stack[depth++] = (byte) c;
      lastFirst = c;
      if (next < MAX_CODES) {
        suffix[next] = (byte) c;
        link[next] = lastCode;
        if (next == (1 << codeSize) - 1 && codeSize < MAX_CODE_BITS) {
          codeSize++;
        }
        next++;
      }
      lastCode = code;
      while (depth > 0 && !rows.done()) {
        rows.put(stack[--depth] & 0xFF, screen);
      }
    }

    private static ImageException broken() {
      return new ImageException(
          ImageException.Code.CORRUPT,
          "the GIF image's LZW pixel data is damaged (a code out of range): re-encode the image");
    }
  }
}
