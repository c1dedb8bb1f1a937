package dev.glimpse.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A LLaVA checkpoint's {@code config.json}: vision tower, projector and language model. Every field
 * the file leaves out takes transformers' {@code LlavaConfig} default, as the published llava-hf
 * configs rely on.
 *
 * @param visionFeatureLayers hidden-state indices of the vision tower whose outputs feed the
 *     projector (negative counts from the end, as in transformers; several are concatenated)
 * @param keepClassToken true for strategy "full", false for "default" (drop the CLS token)
 */
public record LlavaConfig(
    VisionConfig vision,
    TextConfig text,
    String projectorHiddenAct,
    boolean projectorBias,
    List<Integer> visionFeatureLayers,
    boolean keepClassToken,
    int imageTokenId) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public LlavaConfig {
    visionFeatureLayers = List.copyOf(visionFeatureLayers);
    Optional<String> layersProblem =
        featureLayersProblem(visionFeatureLayers, vision.numHiddenLayers());
    VisionConfig.require(layersProblem.isEmpty(), layersProblem.orElse(""));
    VisionConfig.require(
        projectorHiddenAct.equals("gelu"),
        "projector_hidden_act " + projectorHiddenAct + " is not supported (gelu)");
    // an id at or past the vocabulary is allowed: image tokens are never looked up in the
    // embeddings
    VisionConfig.require(imageTokenId >= 0, "image_token_index " + imageTokenId + " is negative");
  }

  /** Image tokens per image in the prompt: one per patch, plus the class token when kept. */
  public int imageSeqLength() {
    return vision.numPatches() + (keepClassToken ? 1 : 0);
  }

  /** Width of the vision features that enter the projector. */
  public int projectorInputSize() {
    return vision.hiddenSize() * visionFeatureLayers.size();
  }

  /**
   * What is wrong with feature layers for a tower of {@code towerLayers} encoder layers, if
   * anything: the one rule for a config read here and a {@code LlavaSpec} written by Glimpse.
   */
  public static Optional<String> featureLayersProblem(List<Integer> layers, int towerLayers) {
    if (layers.isEmpty()) {
      return Optional.of("vision_feature_layer is empty");
    }
    for (int layer : layers) {
      if (layer < -(towerLayers + 1) || layer > towerLayers) {
        return Optional.of(
            "vision_feature_layer "
                + layer
                + " is outside the tower's "
                + (towerLayers + 1)
                + " hidden states");
      }
    }
    return Optional.empty();
  }

  /** Hidden-state index in [0, layers]: 0 is the embeddings, i the output of encoder layer i. */
  public int hiddenStateIndex(int layer) {
    return layer < 0 ? vision.numHiddenLayers() + 1 + layer : layer;
  }

  public static LlavaConfig read(Path modelDir) {
    Path file = modelDir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE,
          file + " is missing; --model must name a directory in the Hugging Face LLaVA layout");
    }
    try {
      return parse(JSON.readTree(file.toFile()));
    } catch (IOException e) {
      throw new CheckpointException(
          CheckpointException.Code.BAD_CONFIG,
          file + " is not valid JSON (" + e.getMessage() + ")",
          e);
    }
  }

  public static LlavaConfig parse(JsonNode root) {
    String type = Json.text(root, "model_type", "");
    if (!type.equals("llava")) {
      throw new CheckpointException(
          CheckpointException.Code.UNSUPPORTED_MODEL_TYPE,
          "model_type '"
              + type
              + "' is not supported; Glimpse runs LLaVA checkpoints (model_type llava)");
    }
    List<Integer> layers = new ArrayList<>();
    JsonNode layerNode = root.get("vision_feature_layer");
    if (layerNode == null || layerNode.isNull()) {
      layers.add(-2);
    } else if (layerNode.isArray()) {
      layerNode.forEach(n -> layers.add(n.asInt()));
    } else {
      layers.add(layerNode.asInt());
    }
    String strategy = Json.text(root, "vision_feature_select_strategy", "default");
    if (!strategy.equals("default") && !strategy.equals("full")) {
      throw new CheckpointException(
          CheckpointException.Code.BAD_CONFIG,
          "vision_feature_select_strategy "
              + strategy
              + " is not supported (default or full); fix config.json");
    }
    int imageToken =
        Json.integer(root, "image_token_id", Json.integer(root, "image_token_index", 32000));
    return new LlavaConfig(
        VisionConfig.read(root.get("vision_config")),
        TextConfig.read(root.get("text_config"), root),
        Json.text(root, "projector_hidden_act", "gelu"),
        Json.bool(root, "multimodal_projector_bias", true),
        layers,
        strategy.equals("full"),
        imageToken);
  }
}
