package dev.glimpse.train.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonWriterTest {

  private static final ShapesVocabulary VOCAB = ShapesVocabulary.SHAPES;

  @TempDir static Path dir;

  private static HuggingFaceTokenizer tokenizer;

  @BeforeAll
  static void loadWithDjl() throws IOException {
    Path file = dir.resolve("tokenizer.json");
    TokenizerJsonWriter.write(VOCAB, file);
    tokenizer =
        HuggingFaceTokenizer.newInstance(
            file, Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
  }

  @AfterAll
  static void close() {
    if (tokenizer != null) {
      tokenizer.close();
    }
  }

  @Test
  void committedTokenizerFilesMatchTheWriter() throws IOException {
    String regenerate =
        "regenerate with: java -cp target/classes:<jackson jars>"
            + " dev.glimpse.train.shapes.TokenizerJsonWriter"
            + " src/main/resources/dev/glimpse/train/shapes";
    assertEquals(
        TokenizerJsonWriter.toJson(VOCAB), resource(TokenizerJsonWriter.RESOURCE), regenerate);
    assertEquals(
        TokenizerJsonWriter.configJson(),
        resource(TokenizerJsonWriter.CONFIG_RESOURCE),
        regenerate);
  }

  @Test
  void writesBothFilesIntoAModelDirectory() throws IOException {
    Path model = dir.resolve("model");
    TokenizerJsonWriter.writeModelFiles(VOCAB, model);
    JsonNode config = new ObjectMapper().readTree(model.resolve("tokenizer_config.json").toFile());
    assertEquals("<s>", config.get("bos_token").asText());
    assertEquals("</s>", config.get("eos_token").asText());
    try (HuggingFaceTokenizer t =
        HuggingFaceTokenizer.newInstance(model, Map.of("truncation", "false"))) {
      assertArrayEquals(
          new long[] {ShapesVocabulary.BOS_ID, VOCAB.id("a")}, t.encode("a").getIds());
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = TokenizerJsonWriter.class.getResourceAsStream(name)) {
      assertNotNull(in, "missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void documentHasTheHuggingFaceLayout() throws IOException {
    JsonNode root = new ObjectMapper().readTree(TokenizerJsonWriter.toJson(VOCAB));
    assertEquals("1.0", root.get("version").asText());
    assertTrue(root.get("truncation").isNull());
    assertTrue(root.get("padding").isNull());
    assertTrue(root.get("normalizer").isNull());
    assertTrue(root.get("decoder").isNull());
    assertEquals("WordLevel", root.at("/model/type").asText());
    assertEquals("<unk>", root.at("/model/unk_token").asText());
    assertEquals(VOCAB.size(), root.at("/model/vocab").size());
    assertEquals(5, root.get("added_tokens").size());
    for (JsonNode t : root.get("added_tokens")) {
      assertTrue(t.get("special").asBoolean());
      assertEquals(
          t.get("id").asInt(), root.at("/model/vocab").get(t.get("content").asText()).asInt());
    }
    assertEquals("TemplateProcessing", root.at("/post_processor/type").asText());
  }

  @Test
  void djlEncodesTheLlavaTemplateIntoExpectedIds() {
    String prompt = ShapesPrompt.prompt("what color is the circle");
    Encoding enc = tokenizer.encode(prompt);
    assertEquals(
        List.of(
            "<s>",
            "USER",
            ":",
            "<image>",
            "what",
            "color",
            "is",
            "the",
            "circle",
            "ASSISTANT",
            ":"),
        Arrays.asList(enc.getTokens()));
    assertArrayEquals(
        new long[] {1, 5, 7, 4, 18, 19, 20, 10, 49, 6, 7},
        enc.getIds(),
        Arrays.toString(enc.getIds()));
  }

  @Test
  void djlAndJavaTokenizerAgreeOnEveryKindOfExampleWithoutUnknowns() {
    ShapesDataset data = ShapesDataset.split(11, DatasetConfig.defaults()).train();
    for (long i = 0; i < 400; i++) {
      Example e = data.example(i);
      String sequence = e.prompt() + e.target();
      long[] djl = tokenizer.encode(sequence).getIds();
      assertArrayEquals(toLong(VOCAB.encode(sequence, true)), djl, sequence);
      for (long id : djl) {
        assertTrue(id != ShapesVocabulary.UNK_ID, "unknown token in " + sequence);
      }
      assertEquals(ShapesVocabulary.BOS_ID, djl[0]);
      assertEquals(ShapesVocabulary.EOS_ID, djl[djl.length - 1]);
    }
  }

  @Test
  void djlDecodesAnAnswerBackToTheSameText() {
    ShapesDataset data = ShapesDataset.split(12, DatasetConfig.defaults()).evaluation();
    for (long i = 0; i < 200; i++) {
      Example e = data.example(i);
      long[] target = tokenizer.encode(e.target(), false, false).getIds();
      assertEquals(ShapesVocabulary.EOS_ID, target[target.length - 1], e.target());
      assertEquals(e.answer(), tokenizer.decode(target, true));
      assertEquals(e.answer(), VOCAB.decode(toInt(target), true));
    }
  }

  @Test
  void expandedImagePlaceholdersBecomeOneImageTokenEach() {
    // The serving tokenizer repeats <image> once per visual feature, with no separator.
    String expanded = "USER: " + "<image>".repeat(3) + "\nwhich shape is red ASSISTANT:";
    long[] expected = {1, 5, 7, 4, 4, 4, 27, 28, 20, 43, 6, 7};
    assertArrayEquals(expected, tokenizer.encode(expanded).getIds());
    assertArrayEquals(expected, toLong(VOCAB.encode(expanded, true)));
  }

  @Test
  void newlineAfterImageTokenGetsNoToken() {
    long[] withNewline =
        tokenizer.encode("USER: <image>\nhow many shapes are there ASSISTANT:").getIds();
    long[] withSpace =
        tokenizer.encode("USER: <image> how many shapes are there ASSISTANT:").getIds();
    assertArrayEquals(withSpace, withNewline);
    assertFalse(VOCAB.contains("\n"));
  }

  private static long[] toLong(int[] ids) {
    return Arrays.stream(ids).asLongStream().toArray();
  }

  private static int[] toInt(long[] ids) {
    return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
  }
}
