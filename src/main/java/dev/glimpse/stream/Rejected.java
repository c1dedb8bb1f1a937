package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;

/**
 * Thrown by an ingest step for input it refuses; the topology turns it into a dead letter with this
 * code and message. The message says what is wrong and what the producer should do.
 */
public final class Rejected extends RuntimeException {
  private final ErrorCode code;

  public Rejected(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public Rejected(ErrorCode code, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
