package dev.glimpse.model.checkpoint;

import dev.glimpse.model.config.LlavaConfig;
import java.util.List;
import java.util.Optional;

/**
 * The shape of a LLaVA checkpoint to write: what {@link LlavaCheckpointWriter} turns into a {@code
 * config.json} and what {@link RandomLlava} fills with weights. Fields that LLaVA checkpoints do
 * not vary in practice are fixed by the writer (token ids 0-3 unk/bos/eos/pad, norm epsilons 1e-5,
 * quick_gelu vision MLP, projector bias, no attention/MLP bias).
 *
 * @param featureLayers vision hidden-state indices fed to the projector (negative counts from the
 *     end); several are concatenated along the hidden axis
 * @param keepClassToken true writes strategy "full", false "default" (CLS dropped)
 * @param tieEmbeddings the LM head shares the token embeddings; no lm_head tensor is written
 * @param dtype how weights are stored: F32, F16 or BF16
 * @param shards 1 writes model.safetensors; more writes that many shards and an index
 */
public record LlavaSpec(
    Vision vision,
    Text text,
    List<Integer> featureLayers,
    boolean keepClassToken,
    Projector projector,
    boolean tieEmbeddings,
    int imageTokenId,
    TensorDType dtype,
    int shards) {

  /** A CLIP ViT tower with a square input. */
  public record Vision(
      int hidden, int layers, int heads, int intermediate, int imageSize, int patchSize) {
    public Vision {
      require(
          hidden > 0 && layers > 0 && heads > 0 && intermediate > 0,
          "vision sizes must be positive");
      require(
          hidden % heads == 0, "vision hidden " + hidden + " is not a multiple of heads " + heads);
      require(
          patchSize > 0 && imageSize % patchSize == 0,
          "image size " + imageSize + " is not a multiple of patch size " + patchSize);
    }

    public int numPatches() {
      return (imageSize / patchSize) * (imageSize / patchSize);
    }
  }

  /**
   * A LLaMA decoder.
   *
   * @param headDim may differ from hidden / heads, as in some LLaMA-family models
   */
  public record Text(
      int hidden,
      int layers,
      int heads,
      int kvHeads,
      int intermediate,
      int vocab,
      int maxPositions,
      double ropeTheta,
      int headDim) {
    public Text {
      require(
          hidden > 0
              && layers > 0
              && heads > 0
              && kvHeads > 0
              && intermediate > 0
              && maxPositions > 0,
          "text sizes must be positive");
      require(heads % kvHeads == 0, "heads " + heads + " is not a multiple of kv heads " + kvHeads);
      require(
          headDim > 0 && headDim % 2 == 0,
          "head_dim " + headDim + " must be even for rotary embeddings");
      require(vocab > 4, "the vocabulary needs room for <unk>, <s>, </s>, <pad> and <image>");
      require(ropeTheta > 0, "rope theta must be positive");
    }
  }

  /** The projector's architecture: one linear map, or LLaVA-1.5's linear → GELU → linear. */
  public enum Projector {
    LINEAR,
    MLP
  }

  public LlavaSpec {
    featureLayers = List.copyOf(featureLayers);
    Optional<String> layersProblem =
        LlavaConfig.featureLayersProblem(featureLayers, vision.layers());
    require(layersProblem.isEmpty(), layersProblem.orElse(""));
    require(
        imageTokenId >= 4 && imageTokenId < text.vocab(),
        "image token id " + imageTokenId + " must lie in [4, vocab) after the four special tokens");
    require(
        dtype == TensorDType.F32 || dtype == TensorDType.F16 || dtype == TensorDType.BF16,
        "dtype must be F32, F16 or BF16, not " + dtype);
    require(shards >= 1, "shards must be at least 1");
  }

  /**
   * A tiny checkpoint with the fixture llava-tiny-a's shape: 56px/14 images, 3-layer 32-wide CLIP,
   * feature layer -2 with CLS dropped, MLP projector, 2-layer 64-wide LLaMA with 4/2 GQA heads,
   * vocab 306, rope theta 10000, F32 in one file. A starting point for {@code with*}.
   */
  public static LlavaSpec tiny() {
    return new LlavaSpec(
        new Vision(32, 3, 4, 64, 56, 14),
        new Text(64, 2, 4, 2, 128, 306, 256, 10000.0, 16),
        List.of(-2),
        false,
        Projector.MLP,
        false,
        4,
        TensorDType.F32,
        1);
  }

  /** Image tokens per image: one per patch, plus the class token when kept. */
  public int imageSeqLength() {
    return vision.numPatches() + (keepClassToken ? 1 : 0);
  }

  public LlavaSpec withVision(Vision v) {
    return new LlavaSpec(
        v,
        text,
        featureLayers,
        keepClassToken,
        projector,
        tieEmbeddings,
        imageTokenId,
        dtype,
        shards);
  }

  public LlavaSpec withText(Text t) {
    return new LlavaSpec(
        vision,
        t,
        featureLayers,
        keepClassToken,
        projector,
        tieEmbeddings,
        imageTokenId,
        dtype,
        shards);
  }

  public LlavaSpec withFeatureLayers(List<Integer> layers, boolean keepCls) {
    return new LlavaSpec(
        vision, text, layers, keepCls, projector, tieEmbeddings, imageTokenId, dtype, shards);
  }

  public LlavaSpec withProjector(Projector p) {
    return new LlavaSpec(
        vision, text, featureLayers, keepClassToken, p, tieEmbeddings, imageTokenId, dtype, shards);
  }

  public LlavaSpec withTiedEmbeddings(boolean tied) {
    return new LlavaSpec(
        vision, text, featureLayers, keepClassToken, projector, tied, imageTokenId, dtype, shards);
  }

  public LlavaSpec withImageTokenId(int id) {
    return new LlavaSpec(
        vision, text, featureLayers, keepClassToken, projector, tieEmbeddings, id, dtype, shards);
  }

  public LlavaSpec withStorage(TensorDType storedAs, int shardCount) {
    return new LlavaSpec(
        vision,
        text,
        featureLayers,
        keepClassToken,
        projector,
        tieEmbeddings,
        imageTokenId,
        storedAs,
        shardCount);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
