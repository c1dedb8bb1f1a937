package dev.glimpse.kafka;

import dev.glimpse.contract.ImageEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.SchemaNormalization;

/**
 * ImageEvent values written by hand, byte by byte, the way a hostile or broken producer would: a
 * valid single-object header for today's schema, then a body whose length prefixes lie.
 */
public final class CraftedRecords {
  /** 2^31-9: the largest array Avro 1.12.1's own limit check lets through. */
  public static final long HUGE_COUNT = Integer.MAX_VALUE - 8;

  private CraftedRecords() {}

  /** One crafted value and what it is, for messages. */
  public record Crafted(String name, byte[] value) {
    @Override
    public String toString() {
      return name + " (" + value.length + " bytes)";
    }
  }

  /** The 46-byte event whose tasks array says 2^31-9 items. */
  public static byte[] hugeTasksCount() {
    Body b = new Body();
    b.string("event-with-a-lying-list").string("c").string("").varint(0);
    b.varint(1).string("u"); // image: ImageUri "u"
    b.varint(HUGE_COUNT); // tasks: one block of 2^31-9 items, none of them present
    return b.bytes();
  }

  /** The 44-byte event whose inline image says it has 2^31 bytes. */
  public static byte[] hugeBytesLength() {
    Body b = new Body();
    b.string("event-with-lying-bytes").string("c").string("").varint(0);
    b.varint(0).varint(1L << 31); // image: InlineImage, data of 2^31 bytes, none present
    return b.bytes();
  }

  /** An event id that says it has 2^31-9 characters. */
  public static byte[] hugeStringLength() {
    Body b = new Body();
    b.varint(HUGE_COUNT);
    return b.bytes();
  }

  /** A map of attributes in one block that says 2^31-9 entries. */
  public static byte[] hugeMapCount() {
    Body b = new Body();
    b.string("event-with-a-lying-map").string("c").string("").varint(0);
    b.varint(1).string("u");
    b.varint(1).varint(0).varint(0); // tasks: one CaptionTask, end of array
    b.varint(0); // options: null
    b.varint(HUGE_COUNT); // attributes
    return b.bytes();
  }

  /** A valid event cut short. */
  public static byte[] truncated(byte[] valid) {
    return Arrays.copyOf(valid, valid.length - 3);
  }

  /** A valid header and random bytes after it. */
  public static byte[] randomBody(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Body b = new Body();
    byte[] noise = new byte[1 + random.nextInt(64)];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (byte) random.nextInt(256);
    }
    b.out.writeBytes(noise);
    return b.bytes();
  }

  /** One of each, with a few random bodies. */
  public static List<Crafted> all(byte[] validEvent) {
    return List.of(
        new Crafted("tasks count 2^31-9", hugeTasksCount()),
        new Crafted("bytes length 2^31", hugeBytesLength()),
        new Crafted("string length 2^31-9", hugeStringLength()),
        new Crafted("attributes count 2^31-9", hugeMapCount()),
        new Crafted("a valid event cut short", truncated(validEvent)),
        new Crafted("random body 1", randomBody(1)),
        new Crafted("random body 2", randomBody(2)),
        new Crafted("random body 3", randomBody(3)));
  }

  /** Header for today's ImageEvent schema, then what the caller writes. */
  private static final class Body {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Body() {
      out.write(0xC3);
      out.write(0x01);
      long fingerprint = SchemaNormalization.parsingFingerprint64(ImageEvent.getClassSchema());
      out.writeBytes(
          ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).array());
    }

    Body varint(long value) {
      long zigzag = (value << 1) ^ (value >> 63);
      while ((zigzag & ~0x7FL) != 0) {
        out.write((int) ((zigzag & 0x7F) | 0x80));
        zigzag >>>= 7;
      }
      out.write((int) zigzag);
      return this;
    }

    Body string(String s) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      varint(utf8.length);
      out.writeBytes(utf8);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
