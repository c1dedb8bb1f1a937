package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.ShapesDataset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without --model, commands use the built-in shapes-world model shipped in the jar. */
class BuiltinModelTest {

  @TempDir Path tmp;

  @Test
  void theBuiltinModelIsExtractedWithItsBlindBaseline() {
    Path dir = BuiltinModel.directory();
    for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json",
        "preprocessor_config.json", "blind/model.safetensors"}) {
      assertTrue(Files.isRegularFile(dir.resolve(file)), file);
    }
    assertEquals(dir, BuiltinModel.directory());
  }

  @Test
  void generateWithoutModelAnswersWithTheBuiltinModel() throws Exception {
    var example = ShapesDataset.split(4, DatasetConfig.defaults()).evaluation().example(0);
    Path image = tmp.resolve("scene.png");
    Files.write(image, dev.glimpse.train.shapes.ShapeRenderer.png(example.image()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "generate", "--image",
        image.toString(), "--question", "how many shapes are there", "--json");
    assertEquals(0, code, err.toString());
    JsonNode result = new ObjectMapper().readTree(out.toString().strip());
    assertTrue(result.get("text").asText().matches("one|two|three"), result.toString());
    assertTrue(err.toString().contains("built-in model"), err.toString());
  }
}
