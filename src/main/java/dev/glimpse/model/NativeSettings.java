package dev.glimpse.model;

/**
 * The C-level settings the model's native code runs with, made once per process before PyTorch's
 * natives load and before the model allocates: libgomp's spin count ({@link OpenMpSpin}) and
 * glibc's malloc thresholds ({@link NativeMemory}). Each leaves alone what the user's environment
 * chose. Every entry point that may load a model calls this, so that the two never drift apart.
 */
public final class NativeSettings {
  private NativeSettings() {}

  /** Makes both settings (each at most once; later calls do nothing). */
  public static void configure() {
    OpenMpSpin.configure();
    NativeMemory.configure();
  }
}
