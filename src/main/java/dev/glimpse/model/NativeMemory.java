package dev.glimpse.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the memory the model frees for its next use. PyTorch's CPU tensors come from the C
 * library's {@code malloc}; glibc's hands large blocks straight to the kernel on free (above its
 * mmap threshold, and by trimming the top of a heap, and by dropping whole per-thread heaps), so
 * the next forward pass touches fresh pages that the kernel must fault in and zero, one 4 KiB page
 * at a time. Measured on the worker's thread (bench-pipeline, mixed, 2 cores): about 44,000 page
 * faults a second, where the engine's thread, whose heap happened to stay, took almost none; with
 * the settings below, 1,610 in the worker's whole Kafka run.
 *
 * <p>Glimpse sets, through {@code mallopt}: the mmap threshold to glibc's largest, {@value
 * #MMAP_THRESHOLD_BYTES} bytes (tensors up to that size come from the heap; setting it also turns
 * off glibc's moving threshold); the trim threshold to {@value #TRIM_THRESHOLD_BYTES} bytes (free
 * memory at a heap's top stays); and the top pad to {@value #TOP_PAD_BYTES} bytes (a per-thread
 * heap, at most that size, is kept rather than unmapped when it empties). The process keeps its
 * peak native memory instead of returning it: a worker's peak is bounded by its batch and KV
 * budget, and is its working set. A user who sets any of glibc's malloc variables ({@code MALLOC_*}
 * or {@code glibc.malloc} tunables in {@code GLIBC_TUNABLES}) chose: then nothing is set. Linux
 * with glibc only; elsewhere (musl has no {@code mallopt}) nothing is set, logged.
 */
public final class NativeMemory {
  private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);

  /** glibc's {@code M_TRIM_THRESHOLD}, {@code M_TOP_PAD} and {@code M_MMAP_THRESHOLD}. */
  static final int M_TRIM_THRESHOLD = -1;

  static final int M_TOP_PAD = -2;
  static final int M_MMAP_THRESHOLD = -3;

  static final int TRIM_THRESHOLD_BYTES = 1 << 30;
  static final int TOP_PAD_BYTES = 64 << 20;

  /** The largest glibc accepts: half its 64 MiB per-thread heap. */
  static final int MMAP_THRESHOLD_BYTES = 32 << 20;

  private static Optional<Map<Integer, Integer>> applied; // guarded by the class

  private NativeMemory() {}

  /** glibc's allocator settings call: 1 on success, 0 on a value it refuses. */
  interface CLibrary extends Library {
    int mallopt(int param, int value);
  }

  /**
   * Sets the allocator for this process where the user did not (once; later calls return what the
   * first did). Returns the settings made ({@code mallopt} parameter to value), or empty where none
   * were (the user chose, not Linux, not glibc: then glibc's defaults stay, logged).
   */
  public static synchronized Optional<Map<Integer, Integer>> configure() {
    if (applied == null) {
      applied = apply(System.getenv());
    }
    return applied;
  }

  /** The settings to make given the environment, or empty where the user chose any. */
  static Optional<Map<Integer, Integer>> wanted(Map<String, String> env) {
    boolean chosen =
        env.keySet().stream().anyMatch(k -> k.startsWith("MALLOC_"))
            || env.getOrDefault("GLIBC_TUNABLES", "").contains("glibc.malloc.");
    if (chosen) {
      return Optional.empty();
    }
    Map<Integer, Integer> settings = new LinkedHashMap<>();
    settings.put(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    settings.put(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
    settings.put(M_TOP_PAD, TOP_PAD_BYTES);
    return Optional.of(settings);
  }

  private static Optional<Map<Integer, Integer>> apply(Map<String, String> env) {
    Optional<Map<Integer, Integer>> settings = wanted(env);
    if (settings.isEmpty() || !Platform.isLinux()) {
      return Optional.empty();
    }
    try {
      CLibrary c = Native.load(Platform.C_LIBRARY_NAME, CLibrary.class);
      for (Map.Entry<Integer, Integer> s : settings.get().entrySet()) {
        if (c.mallopt(s.getKey(), s.getValue()) != 1) {
          throw new IllegalStateException(
              "mallopt(" + s.getKey() + ", " + s.getValue() + ") was refused");
        }
      }
      return settings;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn(
          "NATIVE_MEMORY_NOT_SET: could not keep freed model memory in the C library's heap ({});"
              + " the model may fault in fresh pages on every forward pass. Set"
              + " MALLOC_MMAP_THRESHOLD_={} MALLOC_TRIM_THRESHOLD_={} MALLOC_TOP_PAD_={} in the"
              + " environment to choose it yourself",
          e.toString(),
          MMAP_THRESHOLD_BYTES,
          TRIM_THRESHOLD_BYTES,
          TOP_PAD_BYTES);
      return Optional.empty();
    }
  }
}
