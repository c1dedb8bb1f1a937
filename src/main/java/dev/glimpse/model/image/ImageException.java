package dev.glimpse.model.image;

import dev.glimpse.error.GlimpseException;

/**
 * An image that cannot be used, with a code a user can look up and a message that says what to do.
 */
public final class ImageException extends GlimpseException {

  /** What is wrong with the image bytes. */
  public enum Code {
    EMPTY,
    TOO_LARGE,
    NOT_AN_IMAGE,
    UNSUPPORTED_FORMAT,
    TOO_MANY_PIXELS,
    TRUNCATED,
    CORRUPT
  }

  private final String reason;

  public ImageException(Code code, String message) {
    this(code, message, null);
  }

  public ImageException(Code code, String message, Throwable cause) {
    super(code, message, cause);
    this.reason = message;
  }

  /**
   * The message without the code in front, for callers that carry a code of their own (a dead
   * letter's), so that no code is repeated inside the text a user reads.
   */
  public String reason() {
    return reason;
  }

  public Code code() {
    return (Code) anyCode();
  }
}
