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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generate command end to end: files in, the reference's tokens out, errors named. */
class GenerateCommandTest {
  private final Fixture fixture = Fixture.llavaTinyA();

  @Test
  void jsonGivesTheReferenceTokensForEveryPairInInputOrder() throws IOException {
    List<String> args = new ArrayList<>(List.of("generate", "--model", fixture.dir().toString()));
    for (int c = 0; c < fixture.cases(); c++) {
      args.addAll(List.of("--image", fixture.image(c).toString(), "--prompt", fixture.prompt(c)));
    }
    args.addAll(List.of("--max-new-tokens", "12", "--json"));
    CommandRun r = CommandRun.of(args);
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
    CommandRun r =
        CommandRun.of(
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
    CommandRun r = generateTwoTokens(Path.of("/nonexistent/model"), fixture.image(0), "<image>");
    assertRefusedNaming(r, "MISSING_FILE", "/nonexistent/model");
  }

  @Test
  void unsupportedModelTypeIsNamed(@TempDir Path dir) throws IOException {
    copyFixture(dir);
    Files.writeString(
        dir.resolve("config.json"),
        Files.readString(dir.resolve("config.json"))
            .replace("\"model_type\": \"llava\"", "\"model_type\": \"blip-2\""));
    CommandRun r = generateTwoTokens(dir, fixture.image(0), "<image>");
    assertRefusedNaming(r, "UNSUPPORTED_MODEL_TYPE", "blip-2");
  }

  @Test
  void imageThatDoesNotDecodeIsNamed(@TempDir Path dir) throws IOException {
    Path notAnImage = dir.resolve("notes.png");
    Files.writeString(notAnImage, "this is text, not a PNG");
    CommandRun r = generateTwoTokens(fixture.dir(), notAnImage, "<image>");
    assertRefusedNaming(r, "NOT_AN_IMAGE");
  }

  @Test
  void anImageThatIsAFolderIsOneCodedLineWithoutAStackTrace(@TempDir Path dir) {
    CommandRun r = generateTwoTokens(fixture.dir(), dir, "<image>");
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
    CommandRun r = generateTwoTokens(fixture.dir(), fixture.image(0), "describe the image");
    assertRefusedNaming(r, "MISSING_IMAGE_PLACEHOLDER");
  }

  @Test
  void promptLongerThanTheContextIsNamed() {
    CommandRun r =
        generateTwoTokens(
            fixture.dir(), fixture.image(0), "<image> " + "describe the image ".repeat(200));
    assertRefusedNaming(r, "PROMPT_TOO_LONG");
  }

  @Test
  void pickleWeightsAreRefused(@TempDir Path dir) throws IOException {
    copyFixture(dir);
    Files.delete(dir.resolve("model.safetensors"));
    Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
    CommandRun r = generateTwoTokens(dir, fixture.image(0), "<image>");
    assertRefusedNaming(r, "PICKLE_REFUSED", "safetensors");
  }

  @Test
  void gpuWithoutAGpuIsNamed() {
    assumeTrue(
        Engine.getInstance().getGpuCount() == 0,
        "a GPU is present, so --device gpu is available and its absence cannot be tested here");
    CommandRun r = generateTwoTokens(fixture.dir(), fixture.image(0), "<image>", "--device", "gpu");
    assertRefusedNaming(r, "DEVICE_UNAVAILABLE");
  }

  /** {@code generate} of one image and raw prompt, two tokens at most: enough to be refused. */
  private static CommandRun generateTwoTokens(
      Path model, Path image, String prompt, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                model.toString(),
                "--image",
                image.toString(),
                "--prompt",
                prompt,
                "--max-new-tokens",
                "2"));
    args.addAll(List.of(more));
    return CommandRun.of(args);
  }

  /** Exit code 1, and stderr names every one of these. */
  private static void assertRefusedNaming(CommandRun r, String... named) {
    assertEquals(1, r.exitCode(), r.err());
    for (String n : named) {
      assertTrue(r.err().contains(n), r.err());
    }
  }

  private void copyFixture(Path dir) throws IOException {
    for (String name :
        List.of("config.json", "model.safetensors", "tokenizer.json", "preprocessor_config.json")) {
      Files.copy(fixture.dir().resolve(name), dir.resolve(name));
    }
  }
}
