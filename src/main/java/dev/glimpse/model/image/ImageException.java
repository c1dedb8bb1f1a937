package dev.glimpse.model.image;

/** An image that cannot be used, with a code a user can look up and a message that says what to do. */
public final class ImageException extends RuntimeException {

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

  private final Code code;

  public ImageException(Code code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public ImageException(Code code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
