package dev.glimpse.model.image;

import dev.glimpse.error.GlimpseException;

/** An image that cannot be used, with a code a user can look up and a message that says what to do. */
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

  public ImageException(Code code, String message) {
    super(code, message, null);
  }

  public ImageException(Code code, String message, Throwable cause) {
    super(code, message, cause);
  }

  public Code code() {
    return (Code) anyCode();
  }
}
