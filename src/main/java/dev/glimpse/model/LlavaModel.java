package dev.glimpse.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.language.LlamaLanguageModel;
import dev.glimpse.model.projector.MultiModalProjector;
import dev.glimpse.model.vision.ClipVisionTower;
import java.util.List;

/**
 * LLaVA as the paper draws it: a vision tower, a projector into the language model's embedding
 * space, and the language model, whose prompt's image tokens are replaced by projected features.
 */
public final class LlavaModel implements AutoCloseable {

  private final LlavaConfig config;
  private final NDManager manager;
  private final ClipVisionTower visionTower;
  private final MultiModalProjector multiModalProjector;
  private final LlamaLanguageModel languageModel;

  private LlavaModel(LlavaConfig config, NDManager manager, ClipVisionTower visionTower,
      MultiModalProjector multiModalProjector, LlamaLanguageModel languageModel) {
    this.config = config;
    this.manager = manager;
    this.visionTower = visionTower;
    this.multiModalProjector = multiModalProjector;
    this.languageModel = languageModel;
  }

  /**
   * Loads a checkpoint onto a device in a dtype. The vision tower is loaded only as deep as the
   * deepest feature layer it must produce.
   */
  public static LlavaModel load(LlavaCheckpoint checkpoint, Device device, DataType dtype) {
    return load(checkpoint, device, dtype, LoadProgress.NONE);
  }

  public static LlavaModel load(LlavaCheckpoint checkpoint, Device device, DataType dtype, LoadProgress progress) {
    LlavaConfig config = checkpoint.config();
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Weights weights = new Weights(checkpoint, manager, dtype);
      int depth = config.visionFeatureLayers().stream().mapToInt(config::hiddenStateIndex).max().orElseThrow();
      ClipVisionTower tower = ClipVisionTower.load(weights, config.vision(), depth, progress);
      MultiModalProjector projector = MultiModalProjector.load(weights, config);
      LlamaLanguageModel language = LlamaLanguageModel.load(weights, config.text(), progress);
      return new LlavaModel(config, manager, tower, projector, language);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  public LlavaConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  public ClipVisionTower visionTower() {
    return visionTower;
  }

  public MultiModalProjector multiModalProjector() {
    return multiModalProjector;
  }

  public LlamaLanguageModel languageModel() {
    return languageModel;
  }

  /**
   * The vision features LLaVA feeds its projector: the configured hidden states, concatenated
   * along the hidden axis, with the class token dropped unless the strategy is "full".
   *
   * @param pixelValues (images, channels, size, size)
   * @return (images, image tokens, vision hidden × layers)
   */
  public NDArray selectedVisionFeatures(NDArray pixelValues) {
    int deepest = visionTower.depth();
    List<NDArray> states = visionTower.hiddenStates(pixelValues, deepest);
    NDList selected = new NDList();
    for (int layer : config.visionFeatureLayers()) {
      NDArray state = states.get(config.hiddenStateIndex(layer));
      selected.add(config.keepClassToken() ? state : state.get(":, 1:"));
    }
    return selected.size() == 1 ? selected.head() : NDArrays.concat(selected, -1);
  }

  /** (images, channels, size, size) → (images, image tokens, text hidden) */
  public NDArray imageFeatures(NDArray pixelValues) {
    return multiModalProjector.forward(selectedVisionFeatures(pixelValues));
  }

  /**
   * The prompt's embeddings with each run of image tokens replaced by one image's features, in
   * order: one gather over [token embeddings; image features].
   *
   * @param tokenIds per row, the same length (padded), image tokens in place
   * @param imageFeatures (images, image tokens, hidden), images in row order, or null
   * @return (batch, t, hidden)
   */
  public NDArray embedPrompt(NDManager batch, int[][] tokenIds, NDArray imageFeatures) {
    int b = tokenIds.length;
    int t = tokenIds[0].length;
    int imageTokenId = config.imageTokenId();
    int perImage = config.imageSeqLength();
    long[] lookup = new long[b * t];
    long[] gather = new long[b * t];
    int imageTokensSeen = 0;
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < t; i++) {
        int id = tokenIds[r][i];
        int flat = r * t + i;
        if (id == imageTokenId) {
          lookup[flat] = 0;
          gather[flat] = (long) b * t + imageTokensSeen++;
        } else {
          lookup[flat] = id;
          gather[flat] = flat;
        }
      }
    }
    long images = imageFeatures == null ? 0 : imageFeatures.getShape().get(0);
    if (imageTokensSeen != images * perImage) {
      throw new ModelException(ModelException.Code.IMAGE_TOKEN_MISMATCH,
          "the prompts hold " + imageTokensSeen + " image tokens but " + images + " image(s) give "
              + images * perImage + " features; use one <image> placeholder per image");
    }
    NDArray text = languageModel.embed(batch.create(lookup, new Shape(b * (long) t))); // (b*t, hidden)
    NDArray table = images == 0 ? text
        : NDArrays.concat(new NDList(text, imageFeatures.reshape(images * perImage, -1)), 0);
    return ai.djl.nn.core.Embedding.embedding(batch.create(gather, new Shape(b, t)), table,
        ai.djl.ndarray.types.SparseFormat.DENSE).singletonOrThrow();
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Hidden sizes for a quick description in logs. */
  public String describe() {
    var v = config.vision();
    var x = config.text();
    return String.format("vision %dx%d/%d %d layers (using %d) hidden %d; projector %s; llama %d layers hidden %d heads %d/%d vocab %d",
        v.imageSize(), v.imageSize(), v.patchSize(), v.numHiddenLayers(), visionTower.depth(), v.hiddenSize(),
        multiModalProjector.kind(), x.numHiddenLayers(), x.hiddenSize(), x.numAttentionHeads(), x.numKeyValueHeads(),
        x.vocabSize());
  }
}
