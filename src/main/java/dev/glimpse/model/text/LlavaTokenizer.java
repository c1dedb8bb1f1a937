package dev.glimpse.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.glimpse.model.ModelException;
import dev.glimpse.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The checkpoint's Hugging Face {@code tokenizer.json}, with LLaVA's image placeholder: each {@code
 * <image>} in a prompt becomes one image token per image feature, as LlavaProcessor does.
 */
public final class LlavaTokenizer implements AutoCloseable {

  public static final String IMAGE_PLACEHOLDER = "<image>";

  private final HuggingFaceTokenizer tokenizer;
  private final int imageSeqLength;

  private LlavaTokenizer(HuggingFaceTokenizer tokenizer, int imageSeqLength) {
    this.tokenizer = tokenizer;
    this.imageSeqLength = imageSeqLength;
  }

  public static LlavaTokenizer load(Path modelDir, int imageSeqLength) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE,
          file + " is missing; the model directory needs the Hugging Face tokenizer.json");
    }
    try {
      // truncation off: DJL would otherwise cut every prompt at 512 tokens
      return new LlavaTokenizer(
          HuggingFaceTokenizer.newInstance(
              file, Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true")),
          imageSeqLength);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE,
          file + " cannot be read as a Hugging Face tokenizer (" + e.getMessage() + ")",
          e);
    }
  }

  public int imageSeqLength() {
    return imageSeqLength;
  }

  /** Number of {@code <image>} placeholders in a prompt. */
  public static int countImages(String prompt) {
    int count = 0;
    for (int i = prompt.indexOf(IMAGE_PLACEHOLDER);
        i >= 0;
        i = prompt.indexOf(IMAGE_PLACEHOLDER, i + 1)) {
      count++;
    }
    return count;
  }

  /** Token ids of a raw prompt, BOS included, each {@code <image>} expanded to its image tokens. */
  public int[] encodePrompt(String prompt) {
    if (countImages(prompt) == 0) {
      throw new ModelException(
          ModelException.Code.MISSING_IMAGE_PLACEHOLDER,
          "the prompt has no "
              + IMAGE_PLACEHOLDER
              + " placeholder; put "
              + IMAGE_PLACEHOLDER
              + " where the image belongs, e.g. \"USER: <image>\\nWhat is this? ASSISTANT:\", or use --question");
    }
    return encode(
        prompt.replace(IMAGE_PLACEHOLDER, IMAGE_PLACEHOLDER.repeat(imageSeqLength)), true);
  }

  /** Token ids of text, with or without the tokenizer's special tokens (BOS). */
  public int[] encode(String text, boolean addSpecialTokens) {
    Encoding encoding = tokenizer.encode(text, addSpecialTokens, false);
    long[] ids = encoding.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** Text of generated ids, special tokens skipped. */
  public String decode(int[] ids) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, true);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
