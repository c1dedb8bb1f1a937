package dev.glimpse.kafka;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach a Confluent-compatible schema registry ({@code glimpse.schema.registry.*}), and
 * which framing Glimpse writes.
 *
 * @param url {@code glimpse.schema.registry.url}: the API's base, e.g. Apicurio's {@code
 *     http://host:8080/apis/ccompat/v7}; empty: no registry (registry-framed input is then refused
 *     with a message naming this setting)
 * @param userInfo {@code glimpse.schema.registry.basic.auth.user.info}: {@code user:password} for
 *     HTTP basic auth, as Confluent's clients name it
 * @param truststore {@code glimpse.schema.registry.ssl.truststore.location}: trusted certificates
 *     for an https registry (default: the JVM's)
 * @param truststorePassword {@code glimpse.schema.registry.ssl.truststore.password}
 * @param truststoreType {@code glimpse.schema.registry.ssl.truststore.type} (default PKCS12)
 * @param output {@code glimpse.output.framing}: single-object (default) or registry
 */
public record RegistryConfig(
    Optional<URI> url,
    Optional<String> userInfo,
    Optional<Path> truststore,
    Optional<String> truststorePassword,
    String truststoreType,
    Framing output) {
  public static final String URL = "glimpse.schema.registry.url";
  public static final String OUTPUT_FRAMING = "glimpse.output.framing";

  public RegistryConfig {
    if (output == Framing.REGISTRY && url.isEmpty()) {
      throw new IllegalArgumentException(
          OUTPUT_FRAMING
              + "=registry needs "
              + URL
              + ": set it to the registry's"
              + " Confluent-compatible API, e.g. http://host:8080/apis/ccompat/v7");
    }
  }

  /** No registry, single-object output. */
  public static RegistryConfig none() {
    return new RegistryConfig(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        "PKCS12",
        Framing.SINGLE_OBJECT);
  }

  public static RegistryConfig from(Map<String, String> s) {
    String prefix = "glimpse.schema.registry.";
    return new RegistryConfig(
        nonBlank(s.get(URL))
            .map(u -> URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u)),
        nonBlank(s.get(prefix + "basic.auth.user.info")),
        nonBlank(s.get(prefix + "ssl.truststore.location")).map(Path::of),
        nonBlank(s.get(prefix + "ssl.truststore.password")),
        s.getOrDefault(prefix + "ssl.truststore.type", "PKCS12"),
        Framing.parse(s.getOrDefault(OUTPUT_FRAMING, "single-object")));
  }

  private static Optional<String> nonBlank(String value) {
    return Optional.ofNullable(value).filter(v -> !v.isBlank()).map(String::strip);
  }

  @Override
  public String toString() {
    // the password and user info stay out of logs
    return "RegistryConfig[url="
        + url.map(URI::toString).orElse("(none)")
        + ", output="
        + output
        + "]";
  }
}
