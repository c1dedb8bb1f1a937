package dev.glimpse.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.config.LlavaConfig;
import dev.glimpse.model.language.KvCache;
import dev.glimpse.model.language.LlamaLanguageModel;
import dev.glimpse.model.projector.MultiModalProjector;
import dev.glimpse.model.vision.ClipVisionTower;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * LLaVA as the paper draws it: a vision tower, a projector into the language model's embedding
 * space, and the language model, whose prompt's image tokens are replaced by projected features.
 * The whole prefill forward (images → features → embeddings → decoder) lives here; batching and
 * generation call {@link #prefill} and {@link #encodeImages}. The counters are thread-safe and
 * never reset.
 */
public final class LlavaModel implements AutoCloseable {

  private final LlavaConfig config;
  private final NDManager manager;
  private final ClipVisionTower visionTower;
  private final MultiModalProjector multiModalProjector;
  private final LlamaLanguageModel languageModel;
  private final AtomicLong imagesEncoded = new AtomicLong();
  private final AtomicLong prefillTokens = new AtomicLong();

  private LlavaModel(
      LlavaConfig config,
      NDManager manager,
      ClipVisionTower visionTower,
      MultiModalProjector multiModalProjector,
      LlamaLanguageModel languageModel) {
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

  public static LlavaModel load(
      LlavaCheckpoint checkpoint, Device device, DataType dtype, LoadProgress progress) {
    LlavaConfig config = checkpoint.config();
    NDManager manager = NDManager.newBaseManager(device);
    try {
      WeightLoader weights = new WeightLoader(checkpoint, manager, dtype);
      int depth =
          config.visionFeatureLayers().stream()
              .mapToInt(config::hiddenStateIndex)
              .max()
              .orElseThrow();
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
   * The vision features LLaVA feeds its projector: the configured hidden states, concatenated along
   * the hidden axis, with the class token dropped unless the strategy is "full".
   *
   * @param pixelValues (images, channels, size, size)
   * @return (images, image tokens, vision hidden × layers)
   */
  public NDArray selectedVisionFeatures(NDArray pixelValues) {
    int deepest = visionTower.depth();
    List<NDArray> states = visionTower.hiddenStates(pixelValues, deepest);
    imagesEncoded.addAndGet(pixelValues.getShape().get(0));
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

  /** Images that have gone through the vision tower since load. */
  public long imagesEncoded() {
    return imagesEncoded.get();
  }

  /**
   * Prompt positions the language model has prefilled since load (prefixes and suffixes; no pads).
   */
  public long prefillTokens() {
    return prefillTokens.get();
  }

  /**
   * Projected features of several images, in one vision tower and projector pass, copied to the
   * host: what a cache of features keeps and what requests built from features carry.
   *
   * @param pixelValues per image, (channels, size, size) channel-major
   */
  public List<ImageFeatures> encodeImages(List<float[]> pixelValues) {
    if (pixelValues.isEmpty()) {
      return List.of();
    }
    int perImage = config.imageSeqLength();
    int hidden = config.text().hiddenSize();
    try (NDManager m = manager.newSubManager()) {
      NDArray features = encode(m, pixelValues); // (images, image tokens, hidden)
      float[] all =
          (features.getDataType() == DataType.FLOAT32
                  ? features
                  : features.toType(DataType.FLOAT32, false))
              .toFloatArray();
      List<ImageFeatures> out = new ArrayList<>();
      int size = perImage * hidden;
      for (int i = 0; i < pixelValues.size(); i++) {
        out.add(
            new ImageFeatures(Arrays.copyOfRange(all, i * size, (i + 1) * size), perImage, hidden));
      }
      return out;
    }
  }

  /**
   * One prefill: the rows' embeddings, with each image token replaced by its image's features,
   * through the language model into {@code cache} after the rows' prefix positions.
   *
   * @return (rows, t, hidden), after the final norm
   */
  public NDArray prefill(NDManager batch, PromptRows rows, KvCache cache) {
    int b = rows.rows();
    int t = rows.length();
    // 1. embeddings, image tokens from the images' features
    NDArray embeds = embed(batch, rows); // (b, t, hidden)
    // 2. the decoder over the new positions, after the prefix in the cache
    NDArray positions = batch.create(rows.positions(), new Shape(b, t));
    NDArray mask = batch.create(rows.mask(), new Shape(b, 1, t, rows.prefixLength() + (long) t));
    NDArray hidden = languageModel.forward(embeds, positions, mask, cache, rows.prefixLength());
    prefillTokens.addAndGet(rows.tokens());
    return hidden;
  }

  /**
   * The rows' embeddings with their image tokens replaced, in order, by their images' features: one
   * gather over [token embeddings; features of the images needed]. An image whose tokens all lie
   * before the rows (in the prefix) is not needed, and pixels of it are not encoded; the same image
   * object in several rows is encoded once.
   *
   * @return (rows, t, hidden)
   */
  private NDArray embed(NDManager batch, PromptRows rows) {
    int b = rows.rows();
    int t = rows.length();
    int imageTokenId = config.imageTokenId();
    // 1. per row, the images its image tokens reach into; each distinct image once
    Map<ImageInput, Integer> neededAt = new IdentityHashMap<>(); // image → its index in needed
    List<ImageInput> needed = new ArrayList<>();
    int[][] neededIndex = new int[b][]; // per row and image, its index in needed (-1: not needed)
    long tableRows = (long) b * t;
    for (int r = 0; r < b; r++) {
      List<ImageInput> images = rows.images().get(r);
      int before = rows.imageTokensBefore()[r];
      int inRow = 0;
      for (int id : rows.ids()[r]) {
        inRow += id == imageTokenId ? 1 : 0;
      }
      int available = 0;
      neededIndex[r] = new int[images.size()];
      for (int i = 0; i < images.size(); i++) {
        ImageInput image = images.get(i);
        int tokens = tokensOf(image);
        boolean reached = available + tokens > before && available < before + inRow;
        available += tokens;
        neededIndex[r][i] = -1;
        if (reached) {
          Integer at = neededAt.get(image);
          if (at == null) {
            at = needed.size();
            neededAt.put(image, at);
            needed.add(image);
          }
          neededIndex[r][i] = at;
        }
      }
      if (before + inRow != available) {
        throw new ModelException(
            ModelException.Code.IMAGE_TOKEN_MISMATCH,
            "a prompt holds "
                + (before + inRow)
                + " image tokens but its "
                + images.size()
                + " image(s) give "
                + available
                + " features; use one <image> placeholder per image");
      }
    }
    // 2. features of the needed images: pixels through one encoder pass, host features uploaded
    NDList pieces = new NDList();
    long[] tableRowOf = new long[needed.size()];
    List<float[]> pixels = new ArrayList<>();
    List<Integer> pixelOwners = new ArrayList<>();
    for (int n = 0; n < needed.size(); n++) {
      if (needed.get(n) instanceof ImageInput.Pixels p) {
        pixels.add(p.values());
        pixelOwners.add(n);
      }
    }
    long next = tableRows;
    if (!pixels.isEmpty()) {
      NDArray encoded = encode(batch, pixels); // (images, image tokens, hidden)
      pieces.add(encoded.reshape((long) pixels.size() * config.imageSeqLength(), -1));
      for (int owner : pixelOwners) {
        tableRowOf[owner] = next;
        next += config.imageSeqLength();
      }
    }
    DataType dtype = languageModel.embedDtype();
    for (int n = 0; n < needed.size(); n++) {
      if (needed.get(n) instanceof ImageFeatures f) {
        checkFeatures(f);
        NDArray host = batch.create(f.values(), new Shape(f.tokens(), f.hidden()));
        pieces.add(host.getDataType() == dtype ? host : host.toType(dtype, false));
        tableRowOf[n] = next;
        next += f.tokens();
      }
    }
    // 3. what each position reads: its token's embedding, or its image token's feature row
    long[] lookup = new long[b * t];
    long[] gather = new long[b * t];
    for (int r = 0; r < b; r++) {
      List<ImageInput> images = rows.images().get(r);
      int image = 0;
      int within =
          rows.imageTokensBefore()[r]; // image tokens consumed, counted from the row's first image
      for (int i = 0; i < t; i++) {
        int id = rows.ids()[r][i];
        int flat = r * t + i;
        if (id != imageTokenId) {
          lookup[flat] = id;
          gather[flat] = flat;
          continue;
        }
        while (within >= tokensOf(images.get(image))) {
          within -= tokensOf(images.get(image));
          image++;
        }
        lookup[flat] = 0;
        gather[flat] = tableRowOf[neededIndex[r][image]] + within;
        within++;
      }
    }
    NDArray text =
        languageModel.embed(batch.create(lookup, new Shape(b * (long) t))); // (b*t, hidden)
    pieces.add(0, text);
    // (b*t + feature rows, hidden): token embeddings first, then each needed image's features
    NDArray table = pieces.size() == 1 ? text : NDArrays.concat(pieces, 0);
    return Embedding.embedding(batch.create(gather, new Shape(b, t)), table, SparseFormat.DENSE)
        .singletonOrThrow(); // (b, t) rows of the table -> (b, t, hidden)
  }

  private int tokensOf(ImageInput image) {
    return image instanceof ImageFeatures f ? f.tokens() : config.imageSeqLength();
  }

  private void checkFeatures(ImageFeatures f) {
    if (f.hidden() != config.text().hiddenSize() || f.tokens() > config.imageSeqLength()) {
      throw new ModelException(
          ModelException.Code.BAD_OPTIONS,
          "image features of "
              + f.tokens()
              + " tokens × "
              + f.hidden()
              + " do not fit this model ("
              + config.imageSeqLength()
              + " tokens × "
              + config.text().hiddenSize()
              + "); encode the image with the model that serves it");
    }
  }

  /**
   * Pixel values of images through the vision tower and projector: (images, image tokens, hidden).
   */
  private NDArray encode(NDManager batch, List<float[]> pixelValues) {
    var v = config.vision();
    Shape one = new Shape(1, v.numChannels(), v.imageSize(), v.imageSize());
    NDList arrays = new NDList();
    for (float[] image : pixelValues) {
      if (image.length != one.size()) {
        throw new ModelException(
            ModelException.Code.BAD_OPTIONS,
            "an image has "
                + image.length
                + " values; this model takes "
                + one
                + " pixel values per image");
      }
      arrays.add(batch.create(image, one));
    }
    NDArray stacked = arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays, 0);
    DataType dtype = languageModel.embedDtype();
    return imageFeatures(stacked.getDataType() == dtype ? stacked : stacked.toType(dtype, false));
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Hidden sizes for a quick description in logs. */
  public String describe() {
    var v = config.vision();
    var x = config.text();
    return String.format(
        "vision %dx%d/%d %d layers (using %d) hidden %d; projector %s; llama %d layers hidden %d heads %d/%d vocab %d",
        v.imageSize(),
        v.imageSize(),
        v.patchSize(),
        v.numHiddenLayers(),
        visionTower.depth(),
        v.hiddenSize(),
        multiModalProjector.kind(),
        x.numHiddenLayers(),
        x.hiddenSize(),
        x.numAttentionHeads(),
        x.numKeyValueHeads(),
        x.vocabSize());
  }
}
