package dev.glimpse.ops.view;

import dev.glimpse.error.GlimpseException;

/** A live-view failure a user can fix: a bad setting, a port that is taken, a feed that stopped. */
public final class ViewException extends GlimpseException {

  /** What went wrong; each code is listed in ops/runbook.md. */
  public enum Code {
    BAD_VIEW_SETTING,
    VIEW_PORT_IN_USE,
    VIEW_FEED_FAILED
  }

  public ViewException(Code code, String message) {
    super(code, message, null);
  }

  public ViewException(Code code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
