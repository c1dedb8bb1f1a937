package dev.glimpse.kafka;

import java.util.Map;
import java.util.Optional;

/**
 * How one topic is created: its role in the pipeline (images, requests, ...), its name, partitions,
 * replication (empty: the broker's default.replication.factor) and topic configs.
 */
public record TopicSpec(
    String role,
    String name,
    int partitions,
    Optional<Short> replicationFactor,
    Map<String, String> configs) {
  public TopicSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic of role " + role + " has no name");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "topic " + name + " has " + partitions + " partitions: give at least 1");
    }
    configs = Map.copyOf(configs);
  }
}
