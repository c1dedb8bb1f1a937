package dev.glimpse.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Whether a process can do its work, as named checks: ready when every check is up. Each check says
 * why in a few words ("streams RUNNING", "no partitions assigned yet"), so that a 503 from {@code
 * /health/ready} tells an operator what to look at.
 */
public final class Health {
  /** One check's answer. */
  public record Status(boolean up, String detail) {
    public static Status up(String detail) {
      return new Status(true, detail);
    }

    public static Status down(String detail) {
      return new Status(false, detail);
    }
  }

  private final Map<String, Supplier<Status>> checks = new LinkedHashMap<>();

  /** Adds a check; the last one added under a name wins. */
  public synchronized Health check(String name, Supplier<Status> check) {
    checks.put(name, check);
    return this;
  }

  /** Every check's status, in the order they were added; a check that throws is down. */
  public synchronized Map<String, Status> statuses() {
    Map<String, Status> out = new LinkedHashMap<>();
    checks.forEach(
        (name, check) -> {
          Status s;
          try {
            s = check.get();
          } catch (RuntimeException e) {
            s = Status.down("the check failed: " + e);
          }
          out.put(name, s);
        });
    return out;
  }

  /** Ready when there is at least one check and every check is up. */
  public boolean isReady() {
    Map<String, Status> s = statuses();
    return !s.isEmpty() && s.values().stream().allMatch(Status::up);
  }
}
