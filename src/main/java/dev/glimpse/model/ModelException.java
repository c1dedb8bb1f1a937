package dev.glimpse.model;

import dev.glimpse.error.GlimpseException;

/** A request the model cannot serve, with a code and a message that says what to do. */
public final class ModelException extends GlimpseException {

  /** What went wrong. */
  public enum Code {
    IMAGE_TOKEN_MISMATCH,
    MISSING_IMAGE_PLACEHOLDER,
    PROMPT_TOO_LONG,
    BAD_OPTIONS,
    DEVICE_UNAVAILABLE,
    NO_BUILTIN_MODEL
  }

  public ModelException(Code code, String message) {
    super(code, message, null);
  }

  public Code code() {
    return (Code) anyCode();
  }
}
