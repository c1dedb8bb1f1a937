package dev.glimpse.worker;

/** The messages of tasks the model could not serve: what failed, in the exception's own words. */
final class ModelFailures {
  private ModelFailures() {}

  static String describe(RuntimeException e) {
    return "the model could not serve this task: " + message(e);
  }

  static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
