package dev.glimpse.cli;

import java.nio.file.Path;

/**
 * DJL runs offline: its PyTorch natives come from the Maven Central jar next to glimpse.jar and
 * are unpacked into a cache beside the build, never downloaded.
 */
final class Offline {
  private Offline() {}

  static void configure() {
    System.setProperty("ai.djl.offline", "true");
    if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
      Path cache = Path.of(System.getProperty("glimpse.cache", "target/djl-cache")).toAbsolutePath();
      System.setProperty("DJL_CACHE_DIR", cache.toString());
      System.setProperty("ENGINE_CACHE_DIR", cache.toString());
    }
  }
}
