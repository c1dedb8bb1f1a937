package dev.glimpse.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * DJL runs offline: its PyTorch natives come from the Maven Central jar next to glimpse.jar and are
 * unpacked (about 445 MB, once) into a per-user cache, {@code $XDG_CACHE_HOME/glimpse/djl} or
 * {@code ~/.cache/glimpse/djl}, beside the built-in model's ({@link BuiltinModel#cacheRoot}). Never
 * into the working directory: a relative default there once left a copy of the natives in every
 * folder the jar was started from. {@code DJL_CACHE_DIR} / {@code ENGINE_CACHE_DIR}, as an
 * environment variable or system property (the test build sets them), still win.
 */
final class Offline {
  static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";
  static final String ENGINE_CACHE_DIR = "ENGINE_CACHE_DIR";

  private Offline() {}

  static void configure() {
    System.setProperty("ai.djl.offline", "true");
    cacheSettings(System.getenv(), System.getProperties()).forEach(System::setProperty);
  }

  /**
   * The cache properties to set, given the environment and the system properties: none when the
   * user chose DJL's cache (DJL then puts the engine's natives under it too), else both on the
   * per-user default, leaving an ENGINE_CACHE_DIR the user chose alone.
   */
  static Map<String, String> cacheSettings(Map<String, String> env, Properties system) {
    Map<String, String> settings = new LinkedHashMap<>();
    if (chosen(DJL_CACHE_DIR, env, system)) {
      return settings;
    }
    String cache = defaultCache(env, system).toString();
    settings.put(DJL_CACHE_DIR, cache);
    if (!chosen(ENGINE_CACHE_DIR, env, system)) {
      settings.put(ENGINE_CACHE_DIR, cache);
    }
    return settings;
  }

  private static boolean chosen(String name, Map<String, String> env, Properties system) {
    String value = system.getProperty(name, env.get(name));
    return value != null && !value.isBlank();
  }

  /** The per-user cache directory that {@link #configure} gives DJL when nothing else is chosen. */
  static Path defaultCache(Map<String, String> env, Properties system) {
    return BuiltinModel.cacheRoot(env, system).resolve("glimpse").resolve("djl").toAbsolutePath();
  }
}
