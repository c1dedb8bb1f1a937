package dev.glimpse.model.image;

/** Recognizes an image format from its first bytes (magic numbers), before any decoder runs. */
final class ImageFormats {

  static final String PNG = "png";
  static final String JPEG = "jpeg";
  static final String GIF = "gif";
  static final String WEBP = "webp";

  /** How refusals name what is accepted. */
  static final String ACCEPTED = "PNG, JPEG, WebP or GIF";

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
    if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a')
        || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) {
      return GIF;
    }
    if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
      return WEBP;
    }
    String other = otherImageFormat(b);
    if (other != null) {
      throw new ImageException(
          ImageException.Code.UNSUPPORTED_FORMAT,
          other
              + " images are not accepted (Glimpse takes "
              + ACCEPTED
              + "): convert the image to one of them");
    }
    throw new ImageException(
        ImageException.Code.NOT_AN_IMAGE,
        "the bytes are not an image in any format Glimpse knows (first bytes "
            + hex(b)
            + "): check that the message"
            + " carries the image file itself, in one of "
            + ACCEPTED);
  }

  /**
   * Formats recognised only to name them in the refusal. Magic numbers as Pillow's plugins test
   * them ({@code _accept}); TGA has none, so its 18-byte header is checked field by field as {@code
   * TgaImagePlugin} validates it.
   */
  private static String otherImageFormat(byte[] b) {
    if (startsWith(b, 0, 'B', 'M')) {
      return "BMP";
    }
    if (startsWith(b, 0, 'I', 'I', 0x2A, 0x00)
        || startsWith(b, 0, 'M', 'M', 0x00, 0x2A)
        || startsWith(b, 0, 'I', 'I', 0x2B, 0x00)
        || startsWith(b, 0, 'M', 'M', 0x00, 0x2B)) {
      return "TIFF";
    }
    if ((startsWith(b, 0, 0x00, 0x00, 0x01, 0x00) || startsWith(b, 0, 0x00, 0x00, 0x02, 0x00))
        && b.length >= 6
        && (b[4] != 0 || b[5] != 0)) {
      return "ICO"; // ICO or CUR with at least one image; a TGA may start 00 00 02 00 too, but with
      // 0 here
    }
    if (startsWith(b, 0, '8', 'B', 'P', 'S')) {
      return "PSD";
    }
    if (isNetpbm(b)) {
      return "PPM";
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
    if (startsWith(b, 0, 'q', 'o', 'i', 'f')) {
      return "QOI";
    }
    if (isTga(b)) {
      return "TGA";
    }
    return null;
  }

  /** PBM/PGM/PPM/PAM/PFM: "P1".."P7", "PF" or "Pf", then whitespace. */
  private static boolean isNetpbm(byte[] b) {
    if (b.length < 3 || b[0] != 'P') {
      return false;
    }
    boolean kind = (b[1] >= '1' && b[1] <= '7') || b[1] == 'F' || b[1] == 'f';
    return kind && (b[2] == ' ' || b[2] == '\n' || b[2] == '\r' || b[2] == '\t');
  }

  /**
   * An 18-byte TGA header whose fields hold values a TGA can have (TgaImagePlugin's checks, plus
   * the image type).
   */
  private static boolean isTga(byte[] b) {
    if (b.length < 18) {
      return false;
    }
    int colorMapType = b[1] & 0xFF;
    int imageType = b[2] & 0xFF;
    int width = (b[12] & 0xFF) | (b[13] & 0xFF) << 8;
    int height = (b[14] & 0xFF) | (b[15] & 0xFF) << 8;
    int depth = b[16] & 0xFF;
    boolean mapped = imageType == 1 || imageType == 9 || imageType == 32 || imageType == 33;
    boolean knownType =
        mapped || imageType == 2 || imageType == 3 || imageType == 10 || imageType == 11;
    return colorMapType <= 1
        && knownType
        && (!mapped || colorMapType == 1)
        && width > 0
        && height > 0
        && (depth == 1 || depth == 8 || depth == 15 || depth == 16 || depth == 24 || depth == 32);
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
