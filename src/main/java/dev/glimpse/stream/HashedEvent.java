package dev.glimpse.stream;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A valid event with the lower-case hex SHA-256 of its image bytes. */
public record HashedEvent(ValidEvent valid, String imageSha256) {
  public static HashedEvent of(ValidEvent valid) {
    return new HashedEvent(valid, sha256(valid.image()));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
