package dev.glimpse.kafka;

import java.util.Locale;

/**
 * How an Avro body is framed on a topic. Readers recognise both from the first bytes of each
 * record, so one topic can carry both while producers move over; {@code glimpse.output.framing}
 * chooses what Glimpse writes.
 */
public enum Framing {
  /** {@code C3 01}, the writer schema's 8-byte little-endian CRC-64-AVRO fingerprint, the body. */
  SINGLE_OBJECT,
  /** Confluent's: {@code 00}, the writer schema's 4-byte big-endian registry id, the body. */
  REGISTRY;

  static final int SINGLE_OBJECT_HEADER = 10;
  static final int REGISTRY_HEADER = 5;

  /** The framing these bytes start with, or null when they start with neither. */
  static Framing detect(byte[] bytes) {
    if (bytes.length >= SINGLE_OBJECT_HEADER && bytes[0] == (byte) 0xC3 && bytes[1] == 0x01) {
      return SINGLE_OBJECT;
    }
    if (bytes.length >= REGISTRY_HEADER && bytes[0] == 0) {
      return REGISTRY;
    }
    return null;
  }

  /** Reads {@code glimpse.output.framing}: {@code single-object} (default) or {@code registry}. */
  public static Framing parse(String setting) {
    return switch (setting.strip().toLowerCase(Locale.ROOT)) {
      case "single-object" -> SINGLE_OBJECT;
      case "registry" -> REGISTRY;
      default ->
          throw new IllegalArgumentException(
              "glimpse.output.framing is '" + setting + "': set it to single-object or registry");
    };
  }
}
