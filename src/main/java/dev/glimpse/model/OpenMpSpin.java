package dev.glimpse.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long the model's OpenMP threads spin before they sleep. PyTorch's CPU operations run on
 * libgomp, whose threads, once a parallel operation ends, spin for {@code GOMP_SPINCOUNT} rounds
 * (300,000 by default: milliseconds) waiting for the next before they sleep. Between two model
 * operations that are milliseconds apart (the worker loop's own work between decode steps) they
 * spin through the whole gap and keep their cores from everything else on the machine: the worker's
 * Kafka clients and preparation pool, and where they share it, the broker and ingest. Glimpse sets
 * {@code GOMP_SPINCOUNT} to {@value #SPIN_COUNT} rounds (a fraction of a millisecond, still longer
 * than the gaps inside one forward pass) unless {@code GOMP_SPINCOUNT} or {@code OMP_WAIT_POLICY}
 * is set already: then it is the user's choice and stays.
 *
 * <p>libgomp reads its environment once, when it loads with PyTorch's natives, and the JVM cannot
 * change its own environment, so this sets it in the C library's ({@code setenv}) before the first
 * model is made; {@link VisionLanguageModel#load} and the command line both call it through {@link
 * NativeSettings#configure}. Linux only (libgomp); elsewhere it does nothing.
 */
public final class OpenMpSpin {
  private static final Logger LOG = LoggerFactory.getLogger(OpenMpSpin.class);

  /** libgomp's spin rounds before a waiting thread sleeps, unless the user chose. */
  static final String SPIN_COUNT = "30000";

  static final String GOMP_SPINCOUNT = "GOMP_SPINCOUNT";
  static final String OMP_WAIT_POLICY = "OMP_WAIT_POLICY";

  private static Optional<String> applied; // guarded by the class (configure is synchronized)

  private OpenMpSpin() {}

  /** The C library's environment functions. */
  interface CLibrary extends Library {
    int setenv(String name, String value, int overwrite);

    String getenv(String name);
  }

  /**
   * Sets libgomp's spin count for this process where the user did not (once; later calls return
   * what the first did). Returns the value set, or empty where nothing was set (the user chose, not
   * Linux, or the C library could not be reached: then libgomp keeps its default, logged).
   */
  public static synchronized Optional<String> configure() {
    if (applied == null) {
      applied = apply(System.getenv());
    }
    return applied;
  }

  /** The spin count to set given the environment, or empty where the user chose one. */
  static Optional<String> wanted(Map<String, String> env) {
    if (env.containsKey(GOMP_SPINCOUNT) || env.containsKey(OMP_WAIT_POLICY)) {
      return Optional.empty();
    }
    return Optional.of(SPIN_COUNT);
  }

  /** {@code getenv} of the C library, which libgomp reads (not the JVM's copy). */
  static Optional<String> nativeValue(String name) {
    return Optional.ofNullable(c().getenv(name));
  }

  private static Optional<String> apply(Map<String, String> env) {
    Optional<String> value = wanted(env);
    if (value.isEmpty() || !Platform.isLinux()) {
      return Optional.empty();
    }
    try {
      if (c().setenv(GOMP_SPINCOUNT, value.get(), 0) != 0) {
        throw new IllegalStateException("setenv returned an error");
      }
      return value;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn(
          "OPENMP_SPIN_NOT_SET: could not set {}={} for the model's OpenMP threads ({}); they keep"
              + " libgomp's default and spin longer between operations. Set {} in the environment"
              + " to choose it yourself",
          GOMP_SPINCOUNT,
          value.get(),
          e.toString(),
          GOMP_SPINCOUNT);
      return Optional.empty();
    }
  }

  private static CLibrary c() {
    return Native.load(Platform.C_LIBRARY_NAME, CLibrary.class);
  }
}
