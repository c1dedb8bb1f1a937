package dev.glimpse.kafka;

import org.apache.avro.Schema;

/**
 * Walks Avro binary data over its writer schema, without building anything, and refuses data whose
 * lengths and counts claim more than the record holds. Avro 1.12.1's decoder allocates what a
 * length prefix says before it reads: a {@code bytes} or {@code string} of 2^31-9 bytes is one
 * {@code ByteBuffer.allocate}, and an array count becomes {@code new ArrayList(count)}. Its {@code
 * org.apache.avro.limits.*} system properties are fixed process-wide caps (checked in {@code
 * SystemLimitException}), not bounds by the bytes left, so any cap that lets a real 10 MiB image
 * through still lets a 44-byte record claim 10 MiB. Here every string and bytes length must fit in
 * the bytes that remain, and all collection items of one datum together may not outnumber the
 * datum's bytes (zero-byte items, e.g. nulls or empty records, cost nothing to claim, so they are
 * counted too). The decoder that runs after this check then allocates at most a small multiple of
 * the record's size.
 */
final class AvroBounds {
  /** Deeper nesting than this only comes from a recursive schema fed crafted bytes. */
  private static final int MAX_DEPTH = 256;

  private final byte[] data;
  private final int end;
  private int pos;
  private long itemBudget;

  private AvroBounds(byte[] data, int offset) {
    this.data = data;
    this.end = data.length;
    this.pos = offset;
    this.itemBudget = data.length - (long) offset;
  }

  /**
   * Checks the datum that starts at {@code offset} and runs to the end of {@code data}.
   *
   * @throws Refused naming the first length, count or index the data cannot hold
   */
  static void check(Schema writer, byte[] data, int offset) {
    new AvroBounds(data, offset).walk(writer, writer.getFullName(), 0);
  }

  /** Data that would make the decoder allocate more than the record holds, or read past it. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private void walk(Schema schema, String where, int depth) {
    if (depth > MAX_DEPTH) {
      throw new Refused(where + " nests deeper than " + MAX_DEPTH + " levels");
    }
    switch (schema.getType()) {
      case NULL -> {}
      case BOOLEAN -> skip(1, where);
      case INT, LONG -> readLong(where);
      case FLOAT -> skip(4, where);
      case DOUBLE -> skip(8, where);
      case STRING, BYTES -> skip(length(where), where);
      case FIXED -> skip(schema.getFixedSize(), where);
      case ENUM -> index(schema.getEnumSymbols().size(), where);
      case UNION -> {
        int branch = index(schema.getTypes().size(), where);
        walk(schema.getTypes().get(branch), where, depth + 1);
      }
      case RECORD -> {
        for (Schema.Field field : schema.getFields()) {
          walk(field.schema(), field.name(), depth + 1);
        }
      }
      case ARRAY -> collection(schema.getElementType(), false, where, depth);
      case MAP -> collection(schema.getValueType(), true, where, depth);
      default -> throw new Refused(where + " has the unknown type " + schema.getType());
    }
  }

  /** Blocks of items, each a count (negative: followed by the block's size in bytes), 0 ends. */
  private void collection(Schema items, boolean map, String where, int depth) {
    while (true) {
      long count = readLong(where);
      if (count == 0) {
        return;
      }
      if (count < 0) {
        if (count == Long.MIN_VALUE) {
          throw new Refused(where + " has the block count " + count);
        }
        count = -count;
        long size = readLong(where);
        if (size < 0 || size > remaining()) {
          throw new Refused(
              where + " has a block of " + size + " bytes where " + remaining() + " bytes remain");
        }
      }
      if (count > itemBudget) {
        throw new Refused(
            where
                + " claims "
                + count
                + " items where the record holds "
                + (end - pos)
                + " more bytes (at most "
                + itemBudget
                + " more items)");
      }
      itemBudget -= count;
      for (long i = 0; i < count; i++) {
        if (map) {
          skip(length(where), where);
        }
        walk(items, where, depth + 1);
      }
    }
  }

  private long length(String where) {
    long length = readLong(where);
    if (length < 0 || length > remaining()) {
      throw new Refused(
          where
              + " claims a length of "
              + length
              + " bytes where "
              + remaining()
              + " bytes remain");
    }
    return length;
  }

  private int index(int size, String where) {
    long index = readLong(where);
    if (index < 0 || index >= size) {
      throw new Refused(where + " has the branch or symbol index " + index + " of " + size);
    }
    return (int) index;
  }

  private void skip(long bytes, String where) {
    if (bytes > remaining()) {
      throw new Refused(where + " needs " + bytes + " bytes where " + remaining() + " remain");
    }
    pos += (int) bytes;
  }

  private long remaining() {
    return end - pos;
  }

  /** A zig-zag varint, at most 10 bytes, as Avro writes ints and longs. */
  private long readLong(String where) {
    long raw = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= end) {
        throw new Refused(where + " is cut off: the record ends inside a number");
      }
      int b = data[pos++] & 0xFF;
      raw |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw new Refused(where + " holds a number longer than 10 bytes");
  }
}
