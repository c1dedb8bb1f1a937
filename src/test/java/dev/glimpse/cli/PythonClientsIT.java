package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.kafka.ApicurioRegistry;
import dev.glimpse.kafka.PythonClients;
import dev.glimpse.kafka.RegistryConfig;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.pipeline.EmbeddedPipeline;
import dev.glimpse.train.shapes.Scene;
import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import dev.glimpse.train.shapes.ShapesLanguage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/python against the real pipeline (embedded broker, ingest, a worker on the built-in
 * model): produce.py publishes the demo's first scene, consume.py prints its caption, the one
 * {@code glimpse demo} expects, in single-object framing and through a real schema registry in
 * registry framing. Skipped, saying why, without python3 and its modules (or, for the registry,
 * without Java 21+).
 */
class PythonClientsIT {
  private static final Duration STEP = Duration.ofSeconds(180);
  private static final String QUESTION = "how many shapes are there";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The first scene {@code glimpse demo} generates (its default seed), which the built-in model
   * captions right.
   */
  private static final Scene DEMO_SCENE = new SceneGenerator().generate(new SplittableRandom(2026));

  @TempDir Path tmp;

  @Test
  void singleObjectEventFromPythonIsCaptionedAndItsResultsAndDeadLettersDecodeInPython()
      throws Exception {
    PythonClients python = PythonClients.find(tmp);
    Path image = writeDemoScene();
    Path notAnImage =
        Files.writeString(tmp.resolve("notes.txt"), "not an image", StandardCharsets.UTF_8);
    try (VisionLanguageModel model = builtinModel();
        EmbeddedPipeline pipeline = EmbeddedPipeline.start(model, Map.of(), progress())) {
      String bootstrap = pipeline.bootstrapServers();
      String produced =
          produce(
              python, bootstrap, image.toString(), notAnImage.toString(), "--question", QUESTION);
      assertTrue(
          produced.contains("published 2 events to glimpse.images (single-object framing)"),
          produced);

      List<JsonNode> results = consume(python, bootstrap, "scene-00.png", 2);
      assertDemoSceneCaptionAndAnswer(results, "single-object");

      List<JsonNode> letters = consume(python, bootstrap, "notes.txt", 1, "--topic", "dead_letter");
      JsonNode letter = letters.get(0);
      assertEquals("dead_letter", letter.path("kind").asText(), letter.toString());
      assertEquals("NOT_AN_IMAGE", letter.path("record").path("code").asText(), letter.toString());
    }
  }

  @Test
  void registryFramedEventFromPythonIsCaptionedAndItsRegistryFramedResultsDecodeInPython()
      throws Exception {
    PythonClients python = PythonClients.find(tmp);
    Path image = writeDemoScene();
    try (ApicurioRegistry registry = ApicurioRegistry.start()) {
      String url = registry.ccompatUrl();
      // ingest reads the Python producer's framing, and ingest and the worker write the same one
      Map<String, String> settings =
          Map.of(RegistryConfig.URL, url, RegistryConfig.OUTPUT_FRAMING, "registry");
      try (VisionLanguageModel model = builtinModel();
          EmbeddedPipeline pipeline = EmbeddedPipeline.start(model, settings, progress())) {
        String bootstrap = pipeline.bootstrapServers();
        String produced =
            produce(
                python,
                bootstrap,
                "--framing",
                "registry",
                "--registry-url",
                url,
                image.toString(),
                "--question",
                QUESTION);
        assertTrue(
            produced.contains("published 1 events to glimpse.images (registry framing)"), produced);
        assertEquals(
            200,
            registry.get("/subjects/glimpse.images-value/versions").statusCode(),
            "produce.py registered ImageEvent under glimpse.images-value");

        List<JsonNode> results =
            consume(python, bootstrap, "scene-00.png", 2, "--registry-url", url);
        assertDemoSceneCaptionAndAnswer(results, "registry");
      }
    }
  }

  /** {@link #DEMO_SCENE} as {@code scene-00.png}, the file name the demo gives it. */
  private Path writeDemoScene() throws IOException {
    return Files.write(tmp.resolve("scene-00.png"), new ShapeRenderer().renderPng(DEMO_SCENE));
  }

  private static VisionLanguageModel builtinModel() {
    return VisionLanguageModel.load(
        BuiltinModel.directory(), VisionLanguageModel.Options.cpuFloat32());
  }

  private static PrintWriter progress() {
    return new PrintWriter(new StringWriter());
  }

  /** What produce.py printed publishing to this broker; it exited 0. */
  private static String produce(PythonClients python, String bootstrap, String... args)
      throws Exception {
    List<String> all = new ArrayList<>(List.of("--bootstrap", bootstrap));
    all.addAll(List.of(args));
    PythonClients.Run run = python.run(STEP, "produce.py", all.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.output());
    return run.output();
  }

  /** consume.py from the beginning until it printed {@code count} records of the event. */
  private static List<JsonNode> consume(
      PythonClients python, String bootstrap, String eventId, int count, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrap",
                bootstrap,
                "--from-beginning",
                "--event-id",
                eventId,
                "--max",
                String.valueOf(count),
                "--timeout",
                "150"));
    args.addAll(List.of(more));
    PythonClients.Run run = python.run(STEP, "consume.py", args.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.output());
    List<JsonNode> records = new ArrayList<>();
    for (String line : run.lines()) {
      if (line.startsWith("{")) {
        records.add(JSON.readTree(line));
      }
    }
    assertEquals(count, records.size(), run.output());
    return records;
  }

  private static void assertDemoSceneCaptionAndAnswer(List<JsonNode> results, String framing) {
    JsonNode caption = ofKind(results, "caption");
    assertEquals(
        ShapesLanguage.caption(DEMO_SCENE),
        caption.path("record").path("caption").asText(),
        caption.toString());
    assertEquals(framing, caption.path("framing").asText(), caption.toString());
    assertEquals(0, caption.path("record").path("task_index").asInt(), caption.toString());
    JsonNode answer = ofKind(results, "answer");
    assertEquals(QUESTION, answer.path("record").path("question").asText(), answer.toString());
    assertTrue(!answer.path("record").path("answer").asText().isBlank(), answer.toString());
  }

  private static JsonNode ofKind(List<JsonNode> records, String kind) {
    return records.stream()
        .filter(r -> r.path("kind").asText().equals(kind))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " among " + records));
  }
}
