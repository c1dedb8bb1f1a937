package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ImageEvent;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry client against a port where nothing listens (a real connection refused). */
class SchemaRegistryTest {

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aRegistryFramedRecordWhileTheRegistryIsUnreachableIsACodedRefusalSayingWhatToCheck()
      throws IOException {
    String url = "http://127.0.0.1:" + closedPort() + "/apis/ccompat/v7";
    AvroSerde<ImageEvent> events =
        Contract.current(RegistryConfig.from(Map.of(RegistryConfig.URL, url))).imageEvents();
    byte[] framed = ByteBuffer.allocate(16).put((byte) 0).putInt(7).array();

    RegistryException e =
        assertThrows(RegistryException.class, () -> events.deserialize("glimpse.images", framed));

    assertEquals(ErrorCode.SCHEMA_REGISTRY_UNAVAILABLE, e.code());
    assertTrue(
        e.getMessage().contains(url) && e.getMessage().contains("glimpse.schema.registry.url"),
        e.getMessage());
    assertFalse(
        e.getMessage().contains("SCHEMA_REGISTRY_UNAVAILABLE"),
        "the code travels beside the message");
  }

  @Test
  void registeringAtAnUnreachableRegistryStopsTheStartNamingTheRegistry() throws IOException {
    String url = "http://127.0.0.1:" + closedPort() + "/apis/ccompat/v7";
    Topics topics =
        Topics.from(
            Topics.bundledSpecs(),
            Contract.current(
                RegistryConfig.from(
                    Map.of(RegistryConfig.URL, url, RegistryConfig.OUTPUT_FRAMING, "registry"))));

    var e = assertThrows(SchemaRegistry.Unusable.class, topics::registerSchemas);

    assertTrue(
        e.getMessage().startsWith("SCHEMA_REGISTRATION_FAILED: ") && e.getMessage().contains(url),
        e.getMessage());
  }

  @Test
  void registryOutputWithoutARegistryIsRefusedNamingBothSettings() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RegistryConfig.from(Map.of(RegistryConfig.OUTPUT_FRAMING, "registry")));
    assertTrue(
        e.getMessage().contains(RegistryConfig.URL)
            && e.getMessage().contains(RegistryConfig.OUTPUT_FRAMING),
        e.getMessage());
  }

  @Test
  void theUserInfoStaysOutOfTheConfigsDescription() {
    RegistryConfig c =
        RegistryConfig.from(
            Map.of(
                RegistryConfig.URL,
                "https://r.example/apis/ccompat/v7",
                "glimpse.schema.registry.basic.auth.user.info",
                "glimpse:s3cret"));
    assertTrue(c.userInfo().isPresent());
    assertFalse(c.toString().contains("s3cret"), c.toString());
  }
}
