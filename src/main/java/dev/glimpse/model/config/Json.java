package dev.glimpse.model.config;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads config.json fields with the defaults transformers would use. */
final class Json {
  private Json() {}

  static boolean present(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  static int integer(JsonNode node, String field, int fallback) {
    return present(node, field) ? node.get(field).asInt() : fallback;
  }

  static double number(JsonNode node, String field, double fallback) {
    return present(node, field) ? node.get(field).asDouble() : fallback;
  }

  static boolean bool(JsonNode node, String field, boolean fallback) {
    return present(node, field) ? node.get(field).asBoolean() : fallback;
  }

  static String text(JsonNode node, String field, String fallback) {
    return present(node, field) ? node.get(field).asText() : fallback;
  }
}
