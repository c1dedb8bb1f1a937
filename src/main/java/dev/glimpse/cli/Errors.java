package dev.glimpse.cli;

import dev.glimpse.error.GlimpseException;
import java.util.function.Supplier;
import picocli.CommandLine;

/** Turns a failure a user caused into one line on stderr that names it, and exit code 1. */
final class Errors implements CommandLine.IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (e instanceof GlimpseException || e instanceof UserError || e instanceof Fatal) {
      cmd.getErr().println("glimpse: " + e.getMessage());
      return 1;
    }
    cmd.getErr().println("glimpse: unexpected " + e);
    e.printStackTrace(cmd.getErr());
    return 1;
  }

  /**
   * A value an option's setter refused with a {@link UserError} (an empty --question, ...) is one
   * coded line and exit code 2 like any usage error, without the usage text after it; every other
   * parse error goes to picocli's own handler.
   */
  static CommandLine.IParameterExceptionHandler parseErrors(
      CommandLine.IParameterExceptionHandler standard) {
    return (e, args) -> {
      if (e.getCause() instanceof UserError refused) {
        e.getCommandLine().getErr().println("glimpse: " + refused.getMessage());
        return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
      }
      return standard.handleParseException(e, args);
    };
  }

  /** A service that stopped by itself on an error: the process exits non-zero to be restarted. */
  static final class Fatal extends RuntimeException {
    Fatal(String code, String message, Throwable cause) {
      super(code + ": " + message, cause);
    }
  }

  /** A mistake in the command line or its files that no other error type names. */
  static final class UserError extends RuntimeException {
    UserError(String code, String message) {
      super(code + ": " + message);
    }
  }

  /**
   * What {@code read} makes of the settings; a value it refuses (a config record's check, a number
   * that is not one) is a BAD_SETTING line rather than a stack trace.
   */
  static <T> T settings(Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      throw new UserError(
          "BAD_SETTING",
          e.getMessage()
              + "; fix it in the properties file (--config), the GLIMPSE_* environment or -p");
    }
  }
}
