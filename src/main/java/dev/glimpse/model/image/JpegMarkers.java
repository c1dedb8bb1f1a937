package dev.glimpse.model.image;

/**
 * What libjpeg reads from the marker segments before the first scan to guess a JPEG's colour space
 * ({@code jdmarker.c}): a JFIF APP0, the transform of an Adobe APP14 and the frame's component ids.
 *
 * @param jfif an APP0 segment starting "JFIF\0" with at least 14 bytes of data
 * @param adobeTransform the transform byte of the last Adobe APP14 with at least 12 bytes of data,
 *     -1 without one
 * @param componentIds the component ids of the SOF segment, in frame order
 * @param precision bits per sample of the SOF segment (8 for baseline; Pillow refuses others)
 */
record JpegMarkers(boolean jfif, int adobeTransform, int[] componentIds, int precision) {

  /**
   * Reads the segments from SOI up to the first SOS (libjpeg reads them all before the scan, an
   * APP14 after the frame header included); CORRUPT if no frame header is among them.
   */
  static JpegMarkers of(byte[] b) {
    boolean jfif = false;
    int adobe = -1;
    int[] ids = null;
    int precision = 0;
    int p = 2;
    while (p + 4 <= b.length) {
      if ((b[p] & 0xFF) != 0xFF) {
        p++; // stray bytes between segments: libjpeg skips them with a warning
        continue;
      }
      int marker = b[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++; // fill byte
        continue;
      }
      if (marker == 0xDA || marker == 0xD9) {
        break;
      }
      if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        p += 2; // no length follows these
        continue;
      }
      int length = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
      int data = p + 4;
      int dataLength = Math.min(length - 2, b.length - data);
      if (marker == 0xE0 && dataLength >= 14 && startsWith(b, data, "JFIF\0")) {
        jfif = true;
      } else if (marker == 0xEE && dataLength >= 12 && startsWith(b, data, "Adobe")) {
        adobe = b[data + 11] & 0xFF;
      } else if (isStartOfFrame(marker)
          && dataLength >= 6
          && dataLength >= 6 + 3 * (b[data + 5] & 0xFF)) {
        precision = b[data] & 0xFF;
        ids = new int[b[data + 5] & 0xFF];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = b[data + 6 + 3 * i] & 0xFF;
        }
      }
      p += 2 + Math.max(length, 2);
    }
    if (ids == null && endsBeforeScan(b)) {
      throw new ImageException(
          ImageException.Code.TRUNCATED,
          "the JPEG image is cut off: the file ends inside its header, before the image data: send the complete file");
    }
    if (ids == null) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the JPEG has no readable frame header (SOF) before its image data: re-encode the image");
    }
    return new JpegMarkers(jfif, adobe, ids, precision);
  }

  /** Whether the file ends before a start-of-scan marker is reached: a header cut off. */
  static boolean endsBeforeScan(byte[] b) {
    int p = 2;
    while (p + 2 <= b.length) {
      if ((b[p] & 0xFF) != 0xFF) {
        p++;
        continue;
      }
      int marker = b[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++;
        continue;
      }
      if (marker == 0xDA) {
        return p + 4 > b.length || p + 2 + ((b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF)) > b.length;
      }
      if (marker == 0xD9) {
        return false;
      }
      if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        p += 2;
        continue;
      }
      if (p + 4 > b.length) {
        return true;
      }
      p += 2 + Math.max((b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF), 2);
    }
    return true;
  }

  private static boolean isStartOfFrame(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private static boolean startsWith(byte[] b, int p, String s) {
    if (p + s.length() > b.length) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[p + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
