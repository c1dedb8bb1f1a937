package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.Fixture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate command end to end: files in, the reference's tokens out, errors named. */
class GenerateCommandTest {
  private final Fixture fixture = Fixture.llavaTinyA();

  record Result(int exitCode, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void jsonGivesTheReferenceTokensForEveryPairInInputOrder() throws IOException {
    List<String> args = new ArrayList<>(List.of("generate", "--model", fixture.dir().toString()));
    for (int c = 0; c < fixture.cases(); c++) {
      args.addAll(List.of("--image", fixture.image(c).toString(), "--prompt", fixture.prompt(c)));
    }
    args.addAll(List.of("--max-new-tokens", "12", "--json"));
    Result r = run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(fixture.cases(), lines.length, r.out());
    ObjectMapper mapper = new ObjectMapper();
    for (int c = 0; c < fixture.cases(); c++) {
      JsonNode node = mapper.readTree(lines[c]);
      int[] ids = mapper.convertValue(node.get("token_ids"), int[].class);
      assertArrayEquals(fixture.batchedGeneratedIds().get(c), ids, "case " + c + ": " + lines[c]);
      assertEquals(fixture.testCase(c).get("generated_text").asText(), node.get("text").asText());
    }
  }

  @Test
  void questionUsesTheChatTemplate() throws IOException {
    Result r =
        run(
            "generate",
            "--model",
            fixture.dir().toString(),
            "--image",
            fixture.image(1).toString(),
            "--question",
            "what color is the circle",
            "--max-new-tokens",
            "12",
            "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode node = new ObjectMapper().readTree(r.out().strip());
    assertArrayEquals(
        fixture.generatedIds(1),
        new ObjectMapper().convertValue(node.get("token_ids"), int[].class));
  }

  @Test
  void missingModelDirectoryIsNamed() {
    Result r =
        run(
            "generate",
            "--model",
            "/nonexistent/model",
            "--image",
            fixture.image(0).toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("MISSING_FILE") && r.err().contains("/nonexistent/model"), r.err());
  }

  @Test
  void unsupportedModelTypeIsNamed(@TempDir Path dir) throws IOException {
    copyFixture(dir);
    Files.writeString(
        dir.resolve("config.json"),
        Files.readString(dir.resolve("config.json"))
            .replace("\"model_type\": \"llava\"", "\"model_type\": \"blip-2\""));
    Result r =
        run(
            "generate",
            "--model",
            dir.toString(),
            "--image",
            fixture.image(0).toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("UNSUPPORTED_MODEL_TYPE") && r.err().contains("blip-2"), r.err());
  }

  @Test
  void imageThatDoesNotDecodeIsNamed(@TempDir Path dir) throws IOException {
    Path notAnImage = dir.resolve("notes.png");
    Files.writeString(notAnImage, "this is text, not a PNG");
    Result r =
        run(
            "generate",
            "--model",
            fixture.dir().toString(),
            "--image",
            notAnImage.toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("NOT_AN_IMAGE"), r.err());
  }

  @Test
  void anImageThatIsAFolderIsOneCodedLineWithoutAStackTrace(@TempDir Path dir) {
    Result r =
        run(
            "generate",
            "--model",
            fixture.dir().toString(),
            "--image",
            dir.toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertEquals(
        "glimpse: IMAGE_IS_A_FOLDER: "
            + dir
            + " is a folder; --image takes one image file (repeat"
            + " --image FILE for more, or publish a folder with: glimpse produce --images DIR)",
        r.err().strip());
  }

  @Test
  void promptWithoutImagePlaceholderIsNamed() {
    Result r =
        run(
            "generate",
            "--model",
            fixture.dir().toString(),
            "--image",
            fixture.image(0).toString(),
            "--prompt",
            "describe the image",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("MISSING_IMAGE_PLACEHOLDER"), r.err());
  }

  @Test
  void promptLongerThanTheContextIsNamed() {
    Result r =
        run(
            "generate",
            "--model",
            fixture.dir().toString(),
            "--image",
            fixture.image(0).toString(),
            "--prompt",
            "<image> " + "describe the image ".repeat(200),
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("PROMPT_TOO_LONG"), r.err());
  }

  @Test
  void pickleWeightsAreRefused(@TempDir Path dir) throws IOException {
    copyFixture(dir);
    Files.delete(dir.resolve("model.safetensors"));
    Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
    Result r =
        run(
            "generate",
            "--model",
            dir.toString(),
            "--image",
            fixture.image(0).toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("PICKLE_REFUSED") && r.err().contains("safetensors"), r.err());
  }

  @Test
  void gpuWithoutAGpuIsNamed() {
    assumeTrue(
        Engine.getInstance().getGpuCount() == 0,
        "a GPU is present, so --device gpu is available and its absence cannot be tested here");
    Result r =
        run(
            "generate",
            "--model",
            fixture.dir().toString(),
            "--device",
            "gpu",
            "--image",
            fixture.image(0).toString(),
            "--prompt",
            "<image>",
            "--max-new-tokens",
            "2");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("DEVICE_UNAVAILABLE"), r.err());
  }

  private void copyFixture(Path dir) throws IOException {
    for (String name :
        List.of("config.json", "model.safetensors", "tokenizer.json", "preprocessor_config.json")) {
      Files.copy(fixture.dir().resolve(name), dir.resolve(name));
    }
  }
}
