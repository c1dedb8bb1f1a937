package dev.glimpse.kafka;

import dev.glimpse.contract.ErrorCode;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A registry-framed record whose writer schema could not be had: the id is unknown to the registry,
 * or the registry could not be asked. It is about this record (a dead letter with {@link #code()}),
 * not a reason to stop.
 */
public final class RegistryException extends SerializationException {
  private final ErrorCode code;

  RegistryException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
