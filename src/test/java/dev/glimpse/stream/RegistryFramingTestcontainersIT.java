package dev.glimpse.stream;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The registry scenario on the apache/kafka and Apicurio images; skipped without a Docker daemon.
 */
@Testcontainers(disabledWithoutDocker = true)
class RegistryFramingTestcontainersIT extends RegistryFramingScenario {
  @Container private static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

  @Container
  private static final GenericContainer<?> APICURIO =
      new GenericContainer<>("apicurio/apicurio-registry:3.3.3")
          .withExposedPorts(8080)
          .waitingFor(Wait.forHttp("/apis/ccompat/v7/subjects").forStatusCode(200));

  @Override
  String startRegistry() {
    return "http://" + APICURIO.getHost() + ":" + APICURIO.getMappedPort(8080);
  }

  @Override
  String startBroker() {
    return KAFKA.getBootstrapServers();
  }

  @Override
  void stopBackends() {
    // the Testcontainers extension stops both
  }
}
