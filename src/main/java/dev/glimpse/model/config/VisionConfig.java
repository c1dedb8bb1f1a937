package dev.glimpse.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glimpse.model.checkpoint.CheckpointException;

/**
 * A CLIP vision tower's shape ({@code vision_config}); absent fields take {@code
 * CLIPVisionConfig}'s defaults, except where LLaVA's own defaults apply (see {@link #read}).
 */
public record VisionConfig(
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numChannels,
    int imageSize,
    int patchSize,
    String hiddenAct,
    double layerNormEps) {

  public VisionConfig {
    require(
        hiddenSize % numAttentionHeads == 0,
        "vision hidden_size "
            + hiddenSize
            + " is not divisible by num_attention_heads "
            + numAttentionHeads);
    require(
        imageSize % patchSize == 0,
        "vision image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
    require(
        hiddenAct.equals("quick_gelu") || hiddenAct.equals("gelu"),
        "vision hidden_act " + hiddenAct + " is not supported (quick_gelu or gelu)");
  }

  /** Patches per side of the (square) input image. */
  public int patchesPerSide() {
    return imageSize / patchSize;
  }

  /** Patch tokens, class token excluded. */
  public int numPatches() {
    return patchesPerSide() * patchesPerSide();
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /**
   * Reads {@code vision_config}. When LLaVA's config leaves it out entirely, transformers builds
   * the CLIP ViT-L/14-336 tower of LLaVA-1.5; field by field, {@code CLIPVisionConfig}'s defaults.
   */
  static VisionConfig read(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return new VisionConfig(1024, 4096, 24, 16, 3, 336, 14, "quick_gelu", 1e-5);
    }
    String type = Json.text(node, "model_type", "clip_vision_model");
    if (!type.equals("clip_vision_model") && !type.equals("clip")) {
      throw new CheckpointException(
          CheckpointException.Code.UNSUPPORTED_MODEL_TYPE,
          "vision_config.model_type "
              + type
              + " is not supported; Glimpse runs CLIP vision towers (clip_vision_model)");
    }
    return new VisionConfig(
        Json.integer(node, "hidden_size", 768),
        Json.integer(node, "intermediate_size", 3072),
        Json.integer(node, "num_hidden_layers", 12),
        Json.integer(node, "num_attention_heads", 12),
        Json.integer(node, "num_channels", 3),
        Json.integer(node, "image_size", 224),
        Json.integer(node, "patch_size", 32),
        Json.text(node, "hidden_act", "quick_gelu"),
        Json.number(node, "layer_norm_eps", 1e-5));
  }

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new CheckpointException(
          CheckpointException.Code.BAD_CONFIG, message + "; fix config.json");
    }
  }
}
