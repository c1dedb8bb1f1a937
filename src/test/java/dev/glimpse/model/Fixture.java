package dev.glimpse.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The transformers reference outputs for a tiny LLaVA checkpoint (see fixtures/README of shared).
 */
public record Fixture(Path dir, JsonNode expected) {

  public static Fixture llavaTinyA() {
    Path dir =
        Path.of(
            System.getProperty("glimpse.fixtures", "src/test/resources/fixtures"), "llava-tiny-a");
    try {
      return new Fixture(dir, new ObjectMapper().readTree(dir.resolve("expected.json").toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int cases() {
    return expected.get("cases").size();
  }

  public JsonNode testCase(int i) {
    return expected.get("cases").get(i);
  }

  public int[] inputIds(int i) {
    return ints(testCase(i).get("input_ids"));
  }

  public int[] generatedIds(int i) {
    return ints(testCase(i).get("generated_ids"));
  }

  public String prompt(int i) {
    return testCase(i).get("prompt").asText();
  }

  public Path image(int i) {
    return dir.resolve(testCase(i).get("image").asText());
  }

  public List<int[]> batchedGeneratedIds() {
    List<int[]> rows = new ArrayList<>();
    expected.get("batched_generated_ids").forEach(r -> rows.add(ints(r)));
    return rows;
  }

  /** A tensor of expected.safetensors as float32. */
  public float[] tensor(String name) {
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
      return f.floats(name);
    }
  }

  public long[] shape(String name) {
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
      return f.info(name).shape();
    }
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  /** Largest absolute difference. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
