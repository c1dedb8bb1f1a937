package dev.glimpse.stream;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Image files for tests, good and bad, made in memory. */
public final class TestImages {
  private TestImages() {}

  /** A small PNG whose pixels depend on {@code seed}, so different seeds hash differently. */
  public static byte[] png(int seed) {
    return encode(picture(32, 24, seed), "png");
  }

  /** A PNG of noise, big in bytes for its pixel count. */
  public static byte[] noisyPng(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(7);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt());
      }
    }
    return encode(image, "png");
  }

  public static byte[] bmp() {
    return encode(picture(8, 8, 1), "bmp");
  }

  /** A good PNG cut in half: the header still reads, the pixel data ends early. */
  public static byte[] truncatedPng() {
    byte[] whole = noisyPng(64, 64);
    return Arrays.copyOf(whole, whole.length / 2);
  }

  /** Signature + IHDR of a PNG claiming {@code width x height}, and nothing else. */
  public static byte[] pngHeaderClaiming(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(17);
    ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII));
    ihdr.putInt(width).putInt(height);
    ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    ByteBuffer file = ByteBuffer.allocate(8 + 4 + 17 + 4);
    file.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    file.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
    return file.array();
  }

  private static BufferedImage picture(int width, int height, int seed) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    var g = image.createGraphics();
    g.setColor(new Color(seed * 37 % 256, seed * 91 % 256, seed * 13 % 256));
    g.fillRect(0, 0, width, height);
    g.setColor(Color.WHITE);
    g.fillOval(seed % width, 2, 10, 10);
    g.dispose();
    return image;
  }

  private static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
