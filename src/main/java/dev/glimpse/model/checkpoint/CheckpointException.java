package dev.glimpse.model.checkpoint;

/** A checkpoint that cannot be loaded, with a code a user can look up and a message that says what to do. */
public final class CheckpointException extends RuntimeException {

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

  private final Code code;

  public CheckpointException(Code code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public CheckpointException(Code code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
