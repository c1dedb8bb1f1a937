package dev.glimpse.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.error.GlimpseException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A small client of the Confluent-compatible schema registry API (Confluent's own client is not on
 * Maven Central): writer schemas by id ({@code GET /schemas/ids/{id}}), cached for the life of the
 * process because an id never changes its schema, and registration under a subject ({@code POST
 * /subjects/{subject}/versions}), cached per subject and schema.
 */
public final class SchemaRegistry {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final String authorization;
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
  private final Map<String, Integer> registered = new ConcurrentHashMap<>();

  private SchemaRegistry(URI base, HttpClient http, String authorization) {
    this.base = base;
    this.http = http;
    this.authorization = authorization;
  }

  /** The registry the config names; none when it names no URL. */
  public static Optional<SchemaRegistry> of(RegistryConfig config) {
    return config
        .url()
        .map(
            url -> {
              HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
              config.truststore().ifPresent(path -> http.sslContext(trusting(config)));
              String auth =
                  config
                      .userInfo()
                      .map(
                          u ->
                              "Basic "
                                  + Base64.getEncoder()
                                      .encodeToString(u.getBytes(StandardCharsets.UTF_8)))
                      .orElse(null);
              return new SchemaRegistry(url, http.build(), auth);
            });
  }

  /** A registry failure that stops a process at start (registration), not one record. */
  public static final class Unusable extends GlimpseException {
    /** The codes of {@link Unusable}. */
    public enum Code {
      SCHEMA_REGISTRATION_FAILED,
      SCHEMA_REGISTRY_TRUSTSTORE
    }

    Unusable(Code code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }

  public URI base() {
    return base;
  }

  /**
   * The writer schema with this id.
   *
   * @throws RegistryException UNKNOWN_SCHEMA_ID when the registry has no such id,
   *     SCHEMA_REGISTRY_UNAVAILABLE when it cannot be asked or answers nonsense
   */
  public Schema schema(int id) {
    Schema known = byId.get(id);
    if (known != null) {
      return known;
    }
    HttpResponse<String> response;
    try {
      response = send(request("/schemas/ids/" + id).GET().build());
    } catch (IOException e) {
      throw unavailable("schema id " + id, e.toString(), e);
    }
    if (response.statusCode() == 404) {
      throw new RegistryException(
          ErrorCode.UNKNOWN_SCHEMA_ID,
          "schema id "
              + id
              + " is not in the registry at "
              + base
              + ": check that the producer"
              + " registers its schemas in the registry glimpse.schema.registry.url names",
          null);
    }
    if (response.statusCode() != 200) {
      throw unavailable(
          "schema id " + id, "HTTP " + response.statusCode() + " " + brief(response.body()), null);
    }
    try {
      JsonNode body = JSON.readTree(response.body());
      String type = body.path("schemaType").asText("AVRO");
      if (!type.equals("AVRO")) {
        throw new RegistryException(
            ErrorCode.NOT_AVRO,
            "schema id "
                + id
                + " in the registry at "
                + base
                + " is a "
                + type
                + " schema: produce Avro ImageEvents",
            null);
      }
      // named types the schema refers to by name (Apicurio's serdes register nested records as
      // references) are parsed first, into the same parser, as Confluent's client does
      Schema.Parser parser = new Schema.Parser();
      parseReferences(body.path("references"), parser, new HashSet<>(), 0);
      Schema schema = parser.parse(body.path("schema").asText());
      byId.putIfAbsent(id, schema);
      return schema;
    } catch (IOException | SchemaParseException e) {
      throw unavailable(
          "schema id " + id, "its answer is not an Avro schema: " + e.getMessage(), e);
    }
  }

  /** Parses each referenced schema (its own references first) once. */
  private void parseReferences(
      JsonNode references, Schema.Parser parser, Set<String> seen, int depth) throws IOException {
    if (depth > 32) {
      throw new IOException("schema references nest deeper than 32 levels");
    }
    for (JsonNode ref : references) {
      String subject = ref.path("subject").asText();
      String version = ref.path("version").asText("latest");
      if (!seen.add(subject + "/" + version)) {
        continue;
      }
      HttpResponse<String> response =
          send(
              request(
                      "/subjects/"
                          + URLEncoder.encode(subject, StandardCharsets.UTF_8)
                          + "/versions/"
                          + URLEncoder.encode(version, StandardCharsets.UTF_8))
                  .GET()
                  .build());
      if (response.statusCode() != 200) {
        throw new IOException(
            "the reference "
                + subject
                + " version "
                + version
                + " answers HTTP "
                + response.statusCode()
                + " "
                + brief(response.body()));
      }
      JsonNode referenced = JSON.readTree(response.body());
      parseReferences(referenced.path("references"), parser, seen, depth + 1);
      String name = ref.path("name").asText();
      if (!parser.getTypes().containsKey(name)) {
        parser.parse(referenced.path("schema").asText());
      }
    }
  }

  /**
   * Registers {@code schema} under {@code subject} (the registry returns the existing id when it
   * already has it).
   *
   * @return its global id, as registry-framed records carry it
   * @throws Unusable when the registry cannot be reached or refuses the schema
   */
  public int register(String subject, Schema schema) {
    String cacheKey = subject + "\u0000" + schema.toString();
    Integer known = registered.get(cacheKey);
    if (known != null) {
      return known;
    }
    String path = "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions";
    HttpResponse<String> response;
    try {
      String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
      response =
          send(
              request(path)
                  .header("Content-Type", CONTENT_TYPE)
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build());
    } catch (IOException e) {
      throw new Unusable(
          Unusable.Code.SCHEMA_REGISTRATION_FAILED,
          "cannot register "
              + schema.getFullName()
              + " under "
              + subject
              + " at "
              + base
              + " ("
              + e
              + "): check glimpse.schema.registry.url and that"
              + " the registry runs",
          e);
    }
    if (response.statusCode() != 200) {
      throw new Unusable(
          Unusable.Code.SCHEMA_REGISTRATION_FAILED,
          "the registry at "
              + base
              + " refuses "
              + schema.getFullName()
              + " under "
              + subject
              + " (HTTP "
              + response.statusCode()
              + " "
              + brief(response.body())
              + "): "
              + (response.statusCode() == 409
                  ? "the subject's compatibility rule rejects this version;"
                      + " check the subject's older versions"
                  : "check the credentials"
                      + " (glimpse.schema.registry.basic.auth.user.info) and the URL"),
          null);
    }
    try {
      int id = JSON.readTree(response.body()).path("id").asInt(-1);
      if (id < 0) {
        throw new IOException("no id in " + brief(response.body()));
      }
      registered.put(cacheKey, id);
      byId.putIfAbsent(id, schema);
      return id;
    } catch (IOException e) {
      throw new Unusable(
          Unusable.Code.SCHEMA_REGISTRATION_FAILED,
          "the registry at "
              + base
              + " answered registration with "
              + e.getMessage()
              + ": is glimpse.schema.registry.url a"
              + " Confluent-compatible API (Apicurio: .../apis/ccompat/v7)?",
          e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", CONTENT_TYPE + ", application/json");
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking the registry", e);
    }
  }

  private RegistryException unavailable(String what, String why, Throwable cause) {
    return new RegistryException(
        ErrorCode.SCHEMA_REGISTRY_UNAVAILABLE,
        "the schema registry at "
            + base
            + " could not give "
            + what
            + " ("
            + why
            + "): check"
            + " glimpse.schema.registry.url, that the registry runs, its credentials"
            + " (glimpse.schema.registry.basic.auth.user.info) and truststore"
            + " (glimpse.schema.registry.ssl.truststore.*); replay this record from the dead letter",
        cause);
  }

  private static String brief(String body) {
    String s = body == null ? "" : body.strip();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  private static SSLContext trusting(RegistryConfig config) {
    try (InputStream in = Files.newInputStream(config.truststore().orElseThrow())) {
      KeyStore store = KeyStore.getInstance(config.truststoreType());
      store.load(in, config.truststorePassword().map(String::toCharArray).orElse(null));
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trust.getTrustManagers(), null);
      return tls;
    } catch (IOException | GeneralSecurityException e) {
      throw new Unusable(
          Unusable.Code.SCHEMA_REGISTRY_TRUSTSTORE,
          "cannot load the registry truststore "
              + config.truststore().orElseThrow()
              + " ("
              + e
              + "): check glimpse.schema.registry.ssl.truststore"
              + ".location, .password and .type ("
              + config.truststoreType()
              + ")",
          e);
    }
  }
}
