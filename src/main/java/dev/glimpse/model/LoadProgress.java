package dev.glimpse.model;

/** Told as each block of a checkpoint is loaded, so long loads show progress. */
@FunctionalInterface
public interface LoadProgress {
  LoadProgress NONE = (part, done, total) -> {};

  /**
   * {@code done} of {@code total} layers of {@code part} ("vision tower", "language model") are
   * loaded.
   */
  void loaded(String part, int done, int total);
}
