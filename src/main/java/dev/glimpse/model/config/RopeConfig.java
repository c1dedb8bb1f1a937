package dev.glimpse.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glimpse.model.checkpoint.CheckpointException;

/**
 * Rotary position embedding settings: {@code rope_parameters} (transformers 5) or the older {@code
 * rope_theta} + {@code rope_scaling}. Supported types: default, linear, llama3.
 */
public record RopeConfig(
    double theta,
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositionEmbeddings) {

  public RopeConfig {
    if (!type.equals("default") && !type.equals("linear") && !type.equals("llama3")) {
      throw new CheckpointException(
          CheckpointException.Code.BAD_CONFIG,
          "rope_type " + type + " is not supported (default, linear, llama3); fix config.json");
    }
  }

  static RopeConfig read(JsonNode text) {
    JsonNode params = text.get("rope_parameters");
    if (params == null || params.isNull()) {
      params = text.get("rope_scaling");
    }
    double theta = Json.number(text, "rope_theta", 10000.0);
    if (params == null || params.isNull()) {
      return new RopeConfig(theta, "default", 1.0, 1.0, 4.0, 8192);
    }
    theta = Json.number(params, "rope_theta", theta);
    String type = Json.text(params, "rope_type", Json.text(params, "type", "default"));
    return new RopeConfig(
        theta,
        type,
        Json.number(params, "factor", 1.0),
        Json.number(params, "low_freq_factor", 1.0),
        Json.number(params, "high_freq_factor", 4.0),
        Json.integer(params, "original_max_position_embeddings", 8192));
  }

  /** The inverse frequencies of each rotary pair, as transformers computes them (float32). */
  public float[] inverseFrequencies(int headDim) {
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      // transformers: 1.0 / (base ** (torch.arange(0, dim, 2, dtype=int64).float() / dim)), in
      // float32
      float exponent = (float) (2 * i) / (float) headDim;
      inv[i] = 1.0f / (float) Math.pow((float) theta, exponent);
    }
    switch (type) {
      case "linear" -> {
        for (int i = 0; i < inv.length; i++) {
          inv[i] = (float) (inv[i] / factor);
        }
      }
      case "llama3" -> {
        double lowWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
        double highWavelen = originalMaxPositionEmbeddings / highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
          double wavelen = 2 * Math.PI / inv[i];
          if (wavelen > lowWavelen) {
            inv[i] = (float) (inv[i] / factor);
          } else if (wavelen >= highWavelen) {
            double smooth =
                (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                    / (highFreqFactor - lowFreqFactor);
            inv[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
          }
        }
      }
      default -> {}
    }
    return inv;
  }
}
