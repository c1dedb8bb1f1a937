package dev.glimpse.model.image;

import java.awt.image.BufferedImage;

/**
 * The EXIF orientation (tag 0x0112 in IFD0 of a JPEG APP1 "Exif" segment) and the transform that
 * undoes it, as Pillow's {@code ImageOps.exif_transpose} does.
 */
final class ExifOrientation {

  private static final int TAG_ORIENTATION = 0x0112;

  private ExifOrientation() {}

  /** The orientation 1..8 of a JPEG, 1 when absent or unreadable. */
  static int ofJpeg(byte[] b) {
    // 1. walk the marker segments after SOI until the image data starts
    int p = 2;
    while (p + 4 <= b.length && (b[p] & 0xFF) == 0xFF) {
      int marker = b[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++;
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        return 1;
      }
      int length = u16(b, p + 2, false);
      if (length < 2 || p + 2 + length > b.length) {
        return 1;
      }
      // 2. APP1 starting "Exif\0\0" holds a TIFF structure
      if (marker == 0xE1
          && length >= 8
          && b[p + 4] == 'E'
          && b[p + 5] == 'x'
          && b[p + 6] == 'i'
          && b[p + 7] == 'f'
          && b[p + 8] == 0
          && b[p + 9] == 0) {
        return ofTiff(b, p + 10, p + 2 + length);
      }
      p += 2 + length;
    }
    return 1;
  }

  private static int ofTiff(byte[] b, int start, int end) {
    if (start + 8 > end) {
      return 1;
    }
    boolean little;
    if (b[start] == 'I' && b[start + 1] == 'I') {
      little = true;
    } else if (b[start] == 'M' && b[start + 1] == 'M') {
      little = false;
    } else {
      return 1;
    }
    // 3. IFD0: a count, then 12-byte entries (tag, type, count, value)
    long ifd = u32(b, start + 4, little);
    if (ifd < 8 || start + ifd + 2 > end) {
      return 1;
    }
    int entries = start + (int) ifd;
    int count = u16(b, entries, little);
    for (int i = 0; i < count; i++) {
      int e = entries + 2 + 12 * i;
      if (e + 12 > end) {
        return 1;
      }
      if (u16(b, e, little) == TAG_ORIENTATION) {
        int type = u16(b, e + 2, little);
        int value = type == 3 ? u16(b, e + 8, little) : type == 4 ? (int) u32(b, e + 8, little) : 1;
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
    return 1;
  }

  /** Returns {@code image} turned upright for {@code orientation}; a new image unless it is 1. */
  static BufferedImage apply(BufferedImage image, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return image;
    }
    int w = image.getWidth();
    int h = image.getHeight();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    int[] in = image.getRGB(0, 0, w, h, null, 0, w);
    int[] out = new int[ow * oh];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        // (sx, sy): the stored pixel shown at (x, y)
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> {
            sx = w - 1 - x;
            sy = y;
          } // mirror horizontal
          case 3 -> {
            sx = w - 1 - x;
            sy = h - 1 - y;
          } // rotate 180
          case 4 -> {
            sx = x;
            sy = h - 1 - y;
          } // mirror vertical
          case 5 -> {
            sx = y;
            sy = x;
          } // transpose
          case 6 -> {
            sx = y;
            sy = h - 1 - x;
          } // rotate 90 clockwise
          case 7 -> {
            sx = w - 1 - y;
            sy = h - 1 - x;
          } // transverse
          default -> {
            sx = w - 1 - y;
            sy = x;
          } // 8: rotate 90 counter-clockwise
        }
        out[y * ow + x] = in[sy * w + sx];
      }
    }
    BufferedImage result = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
    result.setRGB(0, 0, ow, oh, out, 0, ow);
    return result;
  }

  private static int u16(byte[] b, int p, boolean little) {
    int a = b[p] & 0xFF;
    int c = b[p + 1] & 0xFF;
    return little ? a | c << 8 : a << 8 | c;
  }

  private static long u32(byte[] b, int p, boolean little) {
    long hi = u16(b, little ? p + 2 : p, little);
    long lo = u16(b, little ? p : p + 2, little);
    return hi << 16 | lo;
  }
}
