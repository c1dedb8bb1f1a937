package dev.glimpse.model.checkpoint;

import dev.glimpse.error.GlimpseException;

/**
 * A checkpoint that cannot be loaded, with a code a user can look up and a message that says what
 * to do.
 */
public final class CheckpointException extends GlimpseException {

  /** What went wrong while loading a checkpoint. */
  public enum Code {
    MISSING_FILE,
    PICKLE_REFUSED,
    BAD_SAFETENSORS,
    MISSING_TENSOR,
    SHAPE_MISMATCH,
    UNSUPPORTED_DTYPE,
    BAD_CONFIG,
    UNSUPPORTED_MODEL_TYPE
  }

  public CheckpointException(Code code, String message) {
    super(code, message, null);
  }

  public CheckpointException(Code code, String message, Throwable cause) {
    super(code, message, cause);
  }

  public Code code() {
    return (Code) anyCode();
  }
}
