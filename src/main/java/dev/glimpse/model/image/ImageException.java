package dev.glimpse.model.image;

/**
 * An image that cannot be used, with a code saying why.
 *
 * <p>Minimal copy for the kafka branch; the image engineer's version replaces it on merge.
 */
public final class ImageException extends RuntimeException {
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
    super(message);
    this.code = code;
  }

  public ImageException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
