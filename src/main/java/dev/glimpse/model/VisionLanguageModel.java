package dev.glimpse.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.generate.Candidates;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import dev.glimpse.model.generate.ScoringRequest;
import dev.glimpse.model.image.ClipImageProcessor;
import dev.glimpse.model.image.ImageDecoder;
import dev.glimpse.model.image.ImageLimits;
import dev.glimpse.model.image.ImageProcessorConfig;
import dev.glimpse.model.text.LlavaTokenizer;
import dev.glimpse.model.text.PromptTemplate;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A loaded checkpoint with everything around it that turns image bytes and text into model inputs:
 * the image decoder and CLIP processor, the tokenizer and prompt template, and the generator. One
 * per process; the CLI and the Kafka worker both serve through it.
 */
public final class VisionLanguageModel implements AutoCloseable {

  private final String modelId;
  private final LlavaCheckpoint checkpoint;
  private final LlavaModel model;
  private final LlavaTokenizer tokenizer;
  private final ImageDecoder imageDecoder;
  private final ClipImageProcessor imageProcessor;
  private final PromptTemplate template;
  private final Generator generator;

  private VisionLanguageModel(
      String modelId,
      LlavaCheckpoint checkpoint,
      LlavaModel model,
      LlavaTokenizer tokenizer,
      ImageDecoder imageDecoder,
      ClipImageProcessor imageProcessor,
      PromptTemplate template,
      Set<Integer> eos) {
    this.modelId = modelId;
    this.checkpoint = checkpoint;
    this.model = model;
    this.tokenizer = tokenizer;
    this.imageDecoder = imageDecoder;
    this.imageProcessor = imageProcessor;
    this.template = template;
    this.generator = new Generator(model, tokenizer, eos);
  }

  /** What to load and how. */
  public record Options(
      Device device, DataType dtype, ImageLimits imageLimits, boolean padToSquare) {
    public static Options cpuFloat32() {
      return new Options(Device.cpu(), DataType.FLOAT32, ImageLimits.defaults(), false);
    }
  }

  public static VisionLanguageModel load(Path dir, Options options) {
    return load(dir, options, LoadProgress.NONE);
  }

  /**
   * Loads on a thread that ends with the load ({@link OneShotThread}), so that the first thread to
   * run the model afterwards owns the process's only pool of OpenMP threads, after {@link
   * NativeSettings} chose its spin count and how glibc keeps what the model frees.
   */
  public static VisionLanguageModel load(Path dir, Options options, LoadProgress progress) {
    NativeSettings.configure(); // before PyTorch's natives load, if this is the first model
    return OneShotThread.call("glimpse-model-load", () -> loadHere(dir, options, progress));
  }

  private static VisionLanguageModel loadHere(Path dir, Options options, LoadProgress progress) {
    checkDevice(options.device());
    LlavaCheckpoint checkpoint = LlavaCheckpoint.open(dir);
    LlavaModel model = null;
    LlavaTokenizer tokenizer = null;
    try {
      LlavaConfig config = checkpoint.config();
      ImageProcessorConfig processorConfig =
          readProcessorConfig(dir, config).withPadToSquare(options.padToSquare());
      tokenizer = LlavaTokenizer.load(dir, config.imageSeqLength());
      model = LlavaModel.load(checkpoint, options.device(), options.dtype(), progress);
      return new VisionLanguageModel(
          ModelId.of(dir, PromptTemplate.LLAVA_1_5.name(), options.padToSquare()),
          checkpoint,
          model,
          tokenizer,
          new ImageDecoder(options.imageLimits()),
          new ClipImageProcessor(processorConfig),
          PromptTemplate.LLAVA_1_5,
          eosIds(dir, config));
    } catch (RuntimeException e) {
      if (model != null) {
        model.close();
      }
      if (tokenizer != null) {
        tokenizer.close();
      }
      checkpoint.close();
      throw e;
    }
  }

  private static void checkDevice(Device device) {
    if (device.isGpu() && Engine.getInstance().getGpuCount() == 0) {
      throw new ModelException(
          ModelException.Code.DEVICE_UNAVAILABLE,
          "no GPU is visible to the PyTorch engine; run with --device cpu, or install a CUDA build of "
              + "the PyTorch natives on a machine with a GPU");
    }
  }

  private static ImageProcessorConfig readProcessorConfig(Path dir, LlavaConfig config) {
    Path file = dir.resolve("preprocessor_config.json");
    if (Files.isRegularFile(file)) {
      return ImageProcessorConfig.read(file);
    }
    // no processor config: CLIP's processor at the tower's resolution
    return ImageProcessorConfig.clipDefaults(config.vision().imageSize());
  }

  /** EOS ids of config.json and generation_config.json (which may list several). */
  private static Set<Integer> eosIds(Path dir, LlavaConfig config) {
    Set<Integer> eos = new HashSet<>();
    eos.add(config.text().eosTokenId());
    Path file = dir.resolve("generation_config.json");
    if (Files.isRegularFile(file)) {
      try {
        JsonNode node = new ObjectMapper().readTree(file.toFile()).get("eos_token_id");
        if (node != null && node.isArray()) {
          node.forEach(n -> eos.add(n.asInt()));
        } else if (node != null && node.isInt()) {
          eos.add(node.asInt());
        }
      } catch (IOException e) {
        // generation_config.json is optional; config.json's EOS stands
      }
    }
    return eos;
  }

  /**
   * What this checkpoint served with these options is called in cache keys and results ({@link
   * ModelId}).
   */
  public String modelId() {
    return modelId;
  }

  public LlavaConfig config() {
    return model.config();
  }

  public LlavaModel model() {
    return model;
  }

  public LlavaTokenizer tokenizer() {
    return tokenizer;
  }

  public ImageDecoder imageDecoder() {
    return imageDecoder;
  }

  public PromptTemplate template() {
    return template;
  }

  /** Decoded, oriented, RGB, CLIP-preprocessed pixel values of encoded image bytes. */
  public float[] pixelValues(byte[] imageBytes) {
    return imageProcessor.preprocess(imageDecoder.decodeRgb(imageBytes));
  }

  public float[] pixelValues(BufferedImage rgb) {
    return imageProcessor.preprocess(rgb);
  }

  /** Token ids of a raw prompt with {@code <image>} placeholders. */
  public int[] encodePrompt(String prompt) {
    return tokenizer.encodePrompt(prompt);
  }

  /** The raw prompt the checkpoint's chat template makes of a question about one image. */
  public String questionPrompt(String question) {
    return template.apply(question);
  }

  /** The generator, with the checkpoint's EOS ids. */
  public Generator generator() {
    return generator;
  }

  /** One batch: every request decoded together. */
  public List<Generation> generate(List<GenerationRequest> requests) {
    return generator.generate(requests);
  }

  /**
   * Projected features of the images, one vision pass for all of them (see {@link
   * LlavaModel#encodeImages}): requests built from them skip the vision tower.
   */
  public List<ImageFeatures> encodeImages(List<float[]> pixelValues) {
    return model.encodeImages(pixelValues);
  }

  /**
   * The probability of each candidate answer after a raw prompt, as one batch. A candidate's tokens
   * are those the tokenizer gives the prompt followed by a space and the candidate.
   */
  public List<Candidates> score(
      List<String> prompts, List<List<float[]>> images, List<List<String>> candidates) {
    List<ScoringRequest> requests = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      requests.add(
          scoringRequest(
              prompts.get(i),
              images.get(i).stream().map(ImageInput::pixels).toList(),
              candidates.get(i)));
    }
    return generator.score(requests);
  }

  /**
   * A scoring request for a raw prompt, tokenized as {@link #score} tokenizes it: a candidate's
   * tokens are those the tokenizer gives the prompt followed by a space and the candidate.
   *
   * @param images one per {@code <image>} in the prompt: pixels, or features from {@link
   *     #encodeImages}
   */
  public ScoringRequest scoringRequest(
      String prompt, List<? extends ImageInput> images, List<String> candidates) {
    int[] promptIds = encodePrompt(prompt);
    List<int[]> ids = new ArrayList<>();
    for (String candidate : candidates) {
      ids.add(continuation(prompt, promptIds, candidate));
    }
    return new ScoringRequest(promptIds, List.copyOf(images), candidates, ids);
  }

  private int[] continuation(String prompt, int[] promptIds, String candidate) {
    int[] joined = encodePrompt(prompt + " " + candidate.strip());
    if (joined.length > promptIds.length
        && Arrays.equals(promptIds, Arrays.copyOf(joined, promptIds.length))) {
      return Arrays.copyOfRange(joined, promptIds.length, joined.length);
    }
    return tokenizer.encode(candidate.strip(), false);
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
    checkpoint.close();
  }
}
