package dev.glimpse.model.image;

/** Recognizes an image format from its first bytes (magic numbers), before any decoder runs. */
final class ImageFormats {

  static final String PNG = "png";
  static final String JPEG = "jpeg";
  static final String GIF = "gif";
  static final String WEBP = "webp";

  private ImageFormats() {}

  /**
   * The supported format of {@code b}, or throws UNSUPPORTED_FORMAT for a known but unsupported
   * image format, NOT_AN_IMAGE for anything else.
   */
  static String sniff(byte[] b) {
    if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return PNG;
    }
    if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
      return JPEG;
    }
    if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) {
      return GIF;
    }
    if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
      return WEBP;
    }
    String other = otherImageFormat(b);
    if (other != null) {
      throw new ImageException(
          ImageException.Code.UNSUPPORTED_FORMAT,
          other + " images are not supported; convert the image to PNG, JPEG, WebP or GIF");
    }
    throw new ImageException(
        ImageException.Code.NOT_AN_IMAGE,
        "the bytes are not a PNG, JPEG, WebP or GIF image (first bytes " + hex(b) + "); check that the message carries the image file itself");
  }

  private static String otherImageFormat(byte[] b) {
    if (startsWith(b, 0, 'B', 'M')) {
      return "BMP";
    }
    if (startsWith(b, 0, 'I', 'I', 0x2A, 0x00) || startsWith(b, 0, 'M', 'M', 0x00, 0x2A)) {
      return "TIFF";
    }
    if (startsWith(b, 4, 'f', 't', 'y', 'p')) {
      return "HEIF/AVIF";
    }
    if (startsWith(b, 0, 0xFF, 0x4F, 0xFF, 0x51) || startsWith(b, 4, 'j', 'P', ' ', ' ')) {
      return "JPEG 2000";
    }
    if (startsWith(b, 0, 0xFF, 0x0A) || startsWith(b, 4, 'J', 'X', 'L', ' ')) {
      return "JPEG XL";
    }
    return null;
  }

  private static boolean startsWith(byte[] b, int offset, int... magic) {
    if (b.length < offset + magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((b[offset + i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(8, b.length); i++) {
      s.append(String.format("%02x", b[i] & 0xFF));
    }
    return s.toString();
  }
}
