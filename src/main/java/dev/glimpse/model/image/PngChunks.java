package dev.glimpse.model.image;

/** The chunk layout of a PNG: length, type, data, CRC, ending with IEND. */
final class PngChunks {

  private static final int SIGNATURE = 8;

  private PngChunks() {}

  /** Throws TRUNCATED unless every chunk is whole and an IEND chunk is reached. */
  static void requireComplete(byte[] b) {
    long p = SIGNATURE;
    while (p + 12 <= b.length) {
      long length = u32(b, (int) p);
      boolean iend = b[(int) p + 4] == 'I' && b[(int) p + 5] == 'E' && b[(int) p + 6] == 'N' && b[(int) p + 7] == 'D';
      p += 12 + length;
      if (p > b.length) {
        break;
      }
      if (iend) {
        return;
      }
    }
    throw new ImageException(
        ImageException.Code.TRUNCATED,
        "the PNG image is cut off after " + b.length + " bytes (no complete IEND chunk); send the complete file");
  }

  /** The IHDR colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA), -1 if unreadable. */
  static int colorType(byte[] b) {
    return b.length > 25 ? b[25] & 0xFF : -1;
  }

  private static long u32(byte[] b, int p) {
    return (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFFL) << 16 | (b[p + 2] & 0xFFL) << 8 | (b[p + 3] & 0xFFL);
  }
}
