package dev.glimpse.stream;

import dev.glimpse.kafka.ApicurioRegistry;
import dev.glimpse.kafka.EmbeddedKafkaBroker;

/**
 * The registry scenario on the in-process broker and Apicurio Registry's packaged app as a child
 * process (Java 21+; skipped, saying why, where there is none).
 */
class RegistryFramingIT extends RegistryFramingScenario {
  private ApicurioRegistry registry;
  private EmbeddedKafkaBroker broker;

  @Override
  String startRegistry() throws Exception {
    registry = ApicurioRegistry.start();
    return registry.base();
  }

  @Override
  String startBroker() {
    broker = EmbeddedKafkaBroker.start();
    return broker.bootstrapServers();
  }

  @Override
  void stopBackends() throws Exception {
    if (broker != null) {
      broker.close();
    }
    if (registry != null) {
      registry.close();
    }
  }
}
