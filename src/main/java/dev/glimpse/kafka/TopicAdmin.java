package dev.glimpse.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates the topics that are missing; existing topics are left as they are. Idempotent. */
public final class TopicAdmin {
  private TopicAdmin() {}

  /** Returns the names of the topics it created. */
  public static List<String> ensureTopics(Admin admin, List<TopicSpec> specs, Duration timeout) {
    try {
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (!existing.contains(spec.name())) {
          missing.add(
              new NewTopic(spec.name(), Optional.of(spec.partitions()), spec.replicationFactor())
                  .configs(spec.configs()));
        }
      }
      List<String> created = new ArrayList<>();
      var result = admin.createTopics(missing);
      for (var entry : result.values().entrySet()) {
        try {
          entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(entry.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e; // another instance racing us to create it is fine; anything else is not
          }
        }
      }
      awaitServed(admin, specs, created, timeout);
      return created;
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot create the pipeline topics ("
              + e.getMessage()
              + "): check bootstrap.servers and that this principal may create topics",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * Waits until the broker serves every partition of the topics just created: the controller has
   * them when createTopics returns, the broker's metadata and then its replicas a moment later, and
   * a producer that comes in between is told NOT_LEADER_OR_FOLLOWER and retries (a warning per
   * batch). First the broker's metadata must name a leader for each partition; then their end
   * offsets, which only a partition's leader answers for, must be listed.
   */
  private static void awaitServed(
      Admin admin, List<TopicSpec> specs, List<String> created, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    if (created.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!leadersNamed(admin, created, timeout)) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "no leader for every partition of "
                + created
                + " within "
                + timeout.toSeconds()
                + " s");
      }
      Thread.sleep(20);
    }
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    for (TopicSpec spec : specs) {
      if (created.contains(spec.name())) {
        for (int p = 0; p < spec.partitions(); p++) {
          ends.put(new TopicPartition(spec.name(), p), OffsetSpec.latest());
        }
      }
    }
    admin.listOffsets(ends).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static boolean leadersNamed(Admin admin, List<String> topics, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    try {
      return admin
          .describeTopics(topics)
          .allTopicNames()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .values()
          .stream()
          .flatMap(d -> d.partitions().stream())
          .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false; // not in the broker's metadata yet
      }
      throw e;
    }
  }
}
