package dev.glimpse.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.glimpse.model.checkpoint.CheckpointException;

/**
 * A LLaMA decoder's shape ({@code text_config}); absent fields take {@code LlamaConfig}'s defaults.
 */
public record TextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int maxPositionEmbeddings,
    double rmsNormEps,
    RopeConfig rope,
    boolean attentionBias,
    boolean mlpBias,
    boolean tieWordEmbeddings,
    int bosTokenId,
    int eosTokenId,
    int padTokenId) {

  public TextConfig {
    VisionConfig.require(
        numAttentionHeads % numKeyValueHeads == 0,
        "text num_attention_heads "
            + numAttentionHeads
            + " is not a multiple of num_key_value_heads "
            + numKeyValueHeads);
    VisionConfig.require(
        headDim % 2 == 0, "text head_dim " + headDim + " must be even for rotary embeddings");
  }

  /** Query heads that share one key/value head (grouped-query attention). */
  public int queriesPerKeyValue() {
    return numAttentionHeads / numKeyValueHeads;
  }

  static TextConfig read(JsonNode node, JsonNode root) {
    if (node == null || node.isNull()) {
      node = MissingNode.getInstance();
    }
    String type = Json.text(node, "model_type", "llama");
    if (!type.equals("llama")) {
      throw new CheckpointException(
          CheckpointException.Code.UNSUPPORTED_MODEL_TYPE,
          "text_config.model_type "
              + type
              + " is not supported; Glimpse runs LLaMA-family decoders (llama)");
    }
    String act = Json.text(node, "hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new CheckpointException(
          CheckpointException.Code.BAD_CONFIG,
          "text hidden_act " + act + " is not supported (silu); fix config.json");
    }
    int hidden = Json.integer(node, "hidden_size", 4096);
    int heads = Json.integer(node, "num_attention_heads", 32);
    int eos =
        node.has("eos_token_id") && node.get("eos_token_id").isArray()
            ? node.get("eos_token_id").get(0).asInt()
            : Json.integer(node, "eos_token_id", 2);
    int pad = Json.integer(node, "pad_token_id", Json.integer(root, "pad_token_id", -1));
    return new TextConfig(
        Json.integer(node, "vocab_size", 32000),
        hidden,
        Json.integer(node, "intermediate_size", 11008),
        Json.integer(node, "num_hidden_layers", 32),
        heads,
        Json.integer(node, "num_key_value_heads", heads),
        Json.present(node, "head_dim") ? node.get("head_dim").asInt() : hidden / heads,
        Json.integer(node, "max_position_embeddings", 2048),
        Json.number(node, "rms_norm_eps", 1e-6),
        RopeConfig.read(node),
        Json.bool(node, "attention_bias", false),
        Json.bool(node, "mlp_bias", false),
        Json.bool(node, "tie_word_embeddings", Json.bool(root, "tie_word_embeddings", false)),
        Json.integer(node, "bos_token_id", 1),
        eos,
        pad);
  }
}
