package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerIT {

  @Test
  void createsThePipelineTopicsOnceAndLeavesThemOnTheSecondRun() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      List<TopicSpec> specs = Topics.bundledSpecs();

      List<String> first = TopicAdmin.ensureTopics(admin, specs, Duration.ofSeconds(30));
      List<String> second = TopicAdmin.ensureTopics(admin, specs, Duration.ofSeconds(30));

      assertEquals(specs.size(), first.size(), "first run creates every topic: " + first);
      assertEquals(List.of(), second, "second run creates nothing");
      Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
      assertTrue(names.containsAll(first), names.toString());
      var cache = new ConfigResource(ConfigResource.Type.TOPIC, "glimpse.result-cache");
      ConfigEntry policy =
          admin
              .describeConfigs(List.of(cache))
              .all()
              .get(10, TimeUnit.SECONDS)
              .get(cache)
              .get("cleanup.policy");
      assertEquals("compact", policy.value());
    }
  }

  @Test
  void runsTransactionVersionTwoAsTheDeployedBrokerDoes() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      var features = admin.describeFeatures().featureMetadata().get(10, TimeUnit.SECONDS);
      var version = features.finalizedFeatures().get("transaction.version");

      assertEquals(2, version == null ? 0 : version.maxVersionLevel(), features.toString());
    }
  }

  @Test
  void closingTwiceIsHarmless() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
    broker.close();
    broker.close();
    assertTrue(ErrorCode.values().length > 0);
  }
}
