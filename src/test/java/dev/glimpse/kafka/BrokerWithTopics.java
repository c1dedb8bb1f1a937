package dev.glimpse.kafka;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded broker for a whole test class, the bundled topics created on it before the first
 * test: {@code @RegisterExtension static final BrokerWithTopics KAFKA = new BrokerWithTopics();}.
 * It starts before the class's own {@code @BeforeAll} methods and closes after them.
 */
public final class BrokerWithTopics implements BeforeAllCallback, AfterAllCallback {
  private final Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
  private EmbeddedKafkaBroker broker;

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = EmbeddedKafkaBroker.start();
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      TopicAdmin.ensureTopics(admin, topics.specs(), Duration.ofSeconds(30));
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (broker != null) { // null where it failed to start: there is nothing to close
      broker.close();
    }
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public Topics topics() {
    return topics;
  }
}
