package dev.glimpse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether a checkpoint speaks the shapes world's language. {@code eval} asks its questions in the
 * built-in 54-word vocabulary and compares words: any other tokenizer reads them as unknown tokens,
 * and a model that cannot be right scored 0.0 everywhere and exited 0.
 */
final class ShapesCheckpoint {
  private ShapesCheckpoint() {}

  /** Refuses a checkpoint whose tokenizer.json is not the shapes world's WordLevel vocabulary. */
  static void require(Path dir, String option) {
    Path file = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      return; // the loader names a missing file with its own code
    }
    String why = mismatch(file);
    if (why != null) {
      throw new Errors.UserError(
          "NOT_A_SHAPES_MODEL",
          dir
              + " ("
              + option
              + ") is not a shapes-world model: its"
              + " tokenizer "
              + why
              + "; eval scores only models trained by glimpse train (leave --model out for the"
              + " built-in one, or train one with: glimpse train --out DIR)");
    }
  }

  /** What differs from the built-in vocabulary, or null when nothing does. */
  private static String mismatch(Path file) {
    JsonNode model;
    try {
      model = new ObjectMapper().readTree(file.toFile()).path("model");
    } catch (IOException e) {
      return "file cannot be read as JSON (" + e.getMessage() + ")";
    }
    String type = model.path("type").asText("none");
    if (!type.equals("WordLevel")) {
      return "is " + type + ", not the built-in WordLevel vocabulary";
    }
    JsonNode vocab = model.path("vocab");
    ShapesVocabulary shapes = ShapesVocabulary.SHAPES;
    if (vocab.size() != shapes.size()) {
      return "has " + vocab.size() + " tokens, not the built-in " + shapes.size();
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> token = it.next();
      if (!shapes.contains(token.getKey())
          || shapes.id(token.getKey()) != token.getValue().asInt(-1)) {
        return "gives '"
            + token.getKey()
            + "' id "
            + token.getValue()
            + ", which the built-in vocabulary does not";
      }
    }
    return null;
  }
}
