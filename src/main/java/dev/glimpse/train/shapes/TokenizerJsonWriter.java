package dev.glimpse.train.shapes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a {@link ShapesVocabulary} as a Hugging Face {@code tokenizer.json} (format version "1.0")
 * with a {@code WordLevel} model, loadable by the {@code tokenizers} library, by DJL's {@code
 * HuggingFaceTokenizer} and so by the same code path that loads real LLaVA checkpoints.
 *
 * <p>Design, each choice made so the LLaVA-1.5 template tokenizes cleanly:
 *
 * <ul>
 *   <li>{@code added_tokens}: the five specials, {@code special: true}, so {@code <image>} and
 *       {@code </s>} are recognised anywhere in the text, before pre-tokenization;
 *   <li>{@code normalizer}: null; the language is lowercase already and the template words are
 *       uppercase by design;
 *   <li>{@code pre_tokenizer}: {@code Whitespace}, which splits on whitespace, newline included,
 *       and separates punctuation: {@code "USER: <image>\nwhat ... ASSISTANT:"} becomes USER, :,
 *       &lt;image&gt;, what, ..., ASSISTANT, :. The newline after {@code <image>} is treated as
 *       whitespace and gets no token;
 *   <li>{@code post_processor}: {@code TemplateProcessing} that prepends {@code <s>}, as the Llama
 *       tokenizers of real LLaVA checkpoints do; encode with special tokens for a prompt and
 *       without them for an answer;
 *   <li>{@code decoder}: null, so decoding joins tokens with single spaces, which gives back every
 *       canonical answer and caption exactly (they have no punctuation).
 * </ul>
 */
public final class TokenizerJsonWriter {

  /** Where the demo model's tokenizer is kept, on the classpath. */
  public static final String RESOURCE = "/dev/glimpse/train/shapes/tokenizer.json";

  /** Where the demo model's tokenizer_config.json is kept, on the classpath. */
  public static final String CONFIG_RESOURCE = "/dev/glimpse/train/shapes/tokenizer_config.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TokenizerJsonWriter() {}

  /** The tokenizer.json document for a vocabulary. */
  public static ObjectNode toTree(ShapesVocabulary vocabulary) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");

    ArrayNode added = root.putArray("added_tokens");
    for (int id = 0; id < ShapesVocabulary.SPECIALS.size(); id++) {
      ObjectNode t = added.addObject();
      t.put("id", id);
      t.put("content", ShapesVocabulary.SPECIALS.get(id));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }

    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "Whitespace");

    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.add(specialPiece(f, ShapesVocabulary.BOS));
    single.add(sequencePiece(f, "A"));
    ArrayNode pair = post.putArray("pair");
    pair.add(specialPiece(f, ShapesVocabulary.BOS));
    pair.add(sequencePiece(f, "A"));
    pair.add(sequencePiece(f, "B"));
    ObjectNode bos = post.putObject("special_tokens").putObject(ShapesVocabulary.BOS);
    bos.put("id", ShapesVocabulary.BOS);
    bos.putArray("ids").add(ShapesVocabulary.BOS_ID);
    bos.putArray("tokens").add(ShapesVocabulary.BOS);

    root.putNull("decoder");

    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < vocabulary.size(); id++) {
      vocab.put(vocabulary.token(id), id);
    }
    model.put("unk_token", ShapesVocabulary.UNK);
    return root;
  }

  /**
   * The {@code tokenizer_config.json} that goes beside tokenizer.json, so that Python's
   * transformers (used for parity checks) loads the demo tokenizer with the right special tokens.
   */
  public static ObjectNode configTree() {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.put("tokenizer_class", "PreTrainedTokenizerFast");
    root.put("bos_token", ShapesVocabulary.BOS);
    root.put("eos_token", ShapesVocabulary.EOS);
    root.put("unk_token", ShapesVocabulary.UNK);
    root.put("pad_token", ShapesVocabulary.PAD);
    root.put("clean_up_tokenization_spaces", false);
    root.put("model_max_length", 4096);
    return root;
  }

  /** The tokenizer.json text, pretty-printed, ending in a newline. */
  public static String toJson(ShapesVocabulary vocabulary) {
    return print(toTree(vocabulary));
  }

  /** The tokenizer_config.json text, pretty-printed, ending in a newline. */
  public static String configJson() {
    return print(configTree());
  }

  /** Writes tokenizer.json and tokenizer_config.json into a model directory, creating it. */
  public static void writeModelFiles(ShapesVocabulary vocabulary, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tokenizer.json"), toJson(vocabulary), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("tokenizer_config.json"), configJson(), StandardCharsets.UTF_8);
  }

  /** Writes the tokenizer.json file, creating parent directories. */
  public static void write(ShapesVocabulary vocabulary, Path file) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, toJson(vocabulary), StandardCharsets.UTF_8);
  }

  /**
   * Regenerates the committed files: {@code TokenizerJsonWriter <dir>}, with dir {@code
   * src/main/resources/dev/glimpse/train/shapes}.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: TokenizerJsonWriter <model-dir>");
      System.exit(2);
    }
    writeModelFiles(ShapesVocabulary.SHAPES, Path.of(args[0]));
  }

  private static String print(ObjectNode tree) {
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    try {
      return MAPPER.writer(printer).writeValueAsString(tree).replace("\r\n", "\n") + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode specialPiece(JsonNodeFactory f, String token) {
    ObjectNode piece = f.objectNode();
    ObjectNode s = piece.putObject("SpecialToken");
    s.put("id", token);
    s.put("type_id", 0);
    return piece;
  }

  private static ObjectNode sequencePiece(JsonNodeFactory f, String id) {
    ObjectNode piece = f.objectNode();
    ObjectNode s = piece.putObject("Sequence");
    s.put("id", id);
    s.put("type_id", 0);
    return piece;
  }
}
