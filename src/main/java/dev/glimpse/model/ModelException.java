package dev.glimpse.model;

/** A request the model cannot serve, with a code and a message that says what to do. */
public final class ModelException extends RuntimeException {

  /** What went wrong. */
  public enum Code {
    IMAGE_TOKEN_MISMATCH,
    MISSING_IMAGE_PLACEHOLDER,
    PROMPT_TOO_LONG,
    BAD_OPTIONS,
    DEVICE_UNAVAILABLE
  }

  private final Code code;

  public ModelException(Code code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
