package dev.glimpse.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/** PNG files with a text chunk added: the same pixels in other bytes, so another sha256. */
final class Png {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  /** The signature and the IHDR chunk (length, type, 13 bytes of data, CRC) come first. */
  private static final int AFTER_HEADER = SIGNATURE.length + 4 + 4 + 13 + 4;

  private Png() {}

  /**
   * Each of {@code pngs} with a {@code tEXt} chunk "Comment" = {@code comment} after its header.
   */
  static List<byte[]> withComment(List<byte[]> pngs, String comment) {
    return pngs.stream().map(png -> withComment(png, comment)).toList();
  }

  static byte[] withComment(byte[] png, String comment) {
    if (png.length < AFTER_HEADER
        || !Arrays.equals(Arrays.copyOf(png, SIGNATURE.length), SIGNATURE)) {
      throw new IllegalArgumentException("not a PNG file");
    }
    byte[] data = ("Comment\0" + comment).getBytes(StandardCharsets.ISO_8859_1);
    byte[] type = "tEXt".getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(type);
    crc.update(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + data.length + 12);
    out.write(png, 0, AFTER_HEADER);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(type);
    out.writeBytes(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    out.write(png, AFTER_HEADER, png.length - AFTER_HEADER);
    return out.toByteArray();
  }
}
