package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.ShapeRenderer;
import dev.glimpse.train.shapes.ShapesDataset;
import dev.glimpse.train.shapes.ShapesLanguage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without --model, commands use the built-in shapes-world model shipped in the jar. */
class BuiltinModelTest {

  @TempDir Path tmp;

  @Test
  void theBuiltinModelIsExtractedWithItsBlindBaseline() {
    Path dir = BuiltinModel.directory();
    for (String file :
        new String[] {
          "config.json",
          "model.safetensors",
          "tokenizer.json",
          "preprocessor_config.json",
          "blind/model.safetensors"
        }) {
      assertTrue(Files.isRegularFile(dir.resolve(file)), file);
    }
    assertEquals(dir, BuiltinModel.directory());
  }

  @Test
  void generateWithoutModelCountsTheShapesWithTheBuiltinModel() throws Exception {
    var example = ShapesDataset.split(4, DatasetConfig.defaults()).evaluation().example(0);
    Path image = tmp.resolve("scene.png");
    Files.write(image, ShapeRenderer.png(example.image()));
    CommandRun run =
        CommandRun.of(
            "generate",
            "--image",
            image.toString(),
            "--question",
            ShapesLanguage.COUNT_QUESTION,
            "--json");
    assertEquals(0, run.exitCode(), run.err());
    JsonNode result = new ObjectMapper().readTree(run.out().strip());
    // the shipped model counts held-out scenes without error (README: count accuracy 1.000)
    assertEquals(
        ShapesLanguage.number(example.scene().count()),
        result.get("text").asText(),
        result.toString());
    assertTrue(run.err().contains("built-in model"), run.err());
  }

  private static byte[] shipped(String file) throws Exception {
    try (var in = BuiltinModel.class.getResourceAsStream(BuiltinModel.RESOURCE + file)) {
      return in.readAllBytes();
    }
  }

  @Test
  void aTruncatedOrEditedExtractedFileIsRewrittenOnTheNextStart() throws Exception {
    Path dir = BuiltinModel.extractInto(tmp);
    Path weights = dir.resolve("model.safetensors");
    Files.write(weights, Arrays.copyOf(Files.readAllBytes(weights), 1000));
    Path tokenizer = dir.resolve("tokenizer.json");
    byte[] edited = Files.readAllBytes(tokenizer);
    edited[10] ^= 1;
    Files.write(tokenizer, edited);
    Files.delete(dir.resolve("blind/config.json"));

    assertEquals(dir, BuiltinModel.extractInto(tmp));

    assertArrayEquals(shipped("model.safetensors"), Files.readAllBytes(weights));
    assertArrayEquals(shipped("tokenizer.json"), Files.readAllBytes(tokenizer));
    assertArrayEquals(
        shipped("blind/config.json"), Files.readAllBytes(dir.resolve("blind/config.json")));
  }

  @Test
  void theCacheIsADirectoryOnlyItsUserCanEnterEvenWhenItExistedOpen() throws Exception {
    Files.createDirectory(
        tmp.resolve("glimpse"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
    Files.setPosixFilePermissions(
        tmp.resolve("glimpse"), PosixFilePermissions.fromString("rwxrwxrwx"));

    Path dir = BuiltinModel.extractInto(tmp);

    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("glimpse"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(tmp.resolve("glimpse"), dir.getParent());
  }

  @Test
  void aPlantedLinkInPlaceOfTheModelDirectoryIsRefused() throws Exception {
    Path dir = BuiltinModel.extractInto(tmp.resolve("first"));
    Path planted = tmp.resolve("second/glimpse").resolve(dir.getFileName());
    Files.createDirectories(planted.getParent());
    Files.createSymbolicLink(planted, tmp.resolve("elsewhere"));
    Files.createDirectory(tmp.resolve("elsewhere"));

    var e =
        assertThrows(Errors.UserError.class, () -> BuiltinModel.extractInto(tmp.resolve("second")));
    assertTrue(e.getMessage().startsWith("UNSAFE_MODEL_CACHE: "), e.getMessage());
  }
}
