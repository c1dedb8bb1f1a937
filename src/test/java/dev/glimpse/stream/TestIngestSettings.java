package dev.glimpse.stream;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** The settings every test's own ingest starts from. */
public final class TestIngestSettings {
  private TestIngestSettings() {}

  /**
   * The broker, an application id of the test's own with a state folder of the same name (so no two
   * tests share a group or a store), the model id to stamp requests with, and {@code more} (key,
   * value, key, value, ...). The map is mutable, for tests that add to it.
   */
  public static Map<String, String> of(
      String bootstrapServers, String applicationId, String modelId, String... more) {
    if (more.length % 2 != 0) {
      throw new IllegalArgumentException("settings come in (key, value) pairs: " + more.length);
    }
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("glimpse.bootstrap.servers", bootstrapServers);
    settings.put("glimpse.ingest.application.id", applicationId);
    settings.put(
        "glimpse.ingest.state.dir",
        Path.of(System.getProperty("java.io.tmpdir"), applicationId).toString());
    settings.put("glimpse.model.id", modelId);
    for (int i = 0; i < more.length; i += 2) {
      settings.put(more[i], more[i + 1]);
    }
    return settings;
  }

  /**
   * The config of a test's ingest under a fresh application id, {@code prefix} and a random UUID,
   * stamping requests with the model id "it-model".
   */
  static IngestConfig config(String bootstrapServers, String prefix, String... more) {
    return IngestConfig.from(of(bootstrapServers, prefix + UUID.randomUUID(), "it-model", more));
  }
}
