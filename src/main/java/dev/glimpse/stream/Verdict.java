package dev.glimpse.stream;

import java.util.function.Function;

/**
 * The verdict of ingest's checks on one record so far: accepted, with the value the last step made,
 * or refused, with the reason; either way with its origin. Steps are plain functions that throw
 * {@link Rejected}; {@link #then} catches only that, so a bug still reaches the processing
 * exception handler.
 */
public record Verdict<T>(Origin origin, String eventId, T value, Rejected rejection) {
  public static <T> Verdict<T> accepted(Origin origin, String eventId, T value) {
    return new Verdict<>(origin, eventId, value, null);
  }

  public static <T> Verdict<T> rejected(Origin origin, String eventId, Rejected why) {
    return new Verdict<>(origin, eventId, null, why);
  }

  public boolean isAccepted() {
    return rejection == null;
  }

  public <U> Verdict<U> then(Function<T, U> step) {
    if (!isAccepted()) {
      return rejected(origin, eventId, rejection);
    }
    try {
      return accepted(origin, eventId, step.apply(value));
    } catch (Rejected why) {
      return rejected(origin, eventId, why);
    }
  }
}
