package dev.glimpse.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An independent LLaVA forward pass in plain Java loops, written from transformers' modeling_clip,
 * modeling_llava and modeling_llama rather than from Glimpse's model code, so that Glimpse can be
 * checked against it on checkpoints transformers never saw. It shares nothing with the model under
 * test but {@link SafetensorsFile} (to read the weights): config.json is parsed here, key layouts
 * are mapped here, and every sum is accumulated in double.
 *
 * <p>One row, no batching, no cache: clarity over speed. Only for tiny checkpoints.
 */
final class ReferenceLlava {

  // vision (CLIPVisionConfig)
  private final int vHidden;
  private final int vInter;
  private final int vLayers;
  private final int vHeads;
  private final int imageSize;
  private final int patch;
  private final double vEps;
  private final boolean quickGelu;
  // text (LlamaConfig)
  private final int hidden;
  private final int inter;
  private final int layers;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int vocab;
  private final double rmsEps;
  private final double ropeTheta;
  private final boolean tied;
  // llava
  private final int imageTokenId;
  private final int[] featureLayers;
  private final boolean keepCls;
  private final Map<String, float[]> w;

  private ReferenceLlava(JsonNode config, Map<String, float[]> weights) {
    JsonNode v = config.path("vision_config");
    vHidden = v.path("hidden_size").asInt(768);
    vInter = v.path("intermediate_size").asInt(3072);
    vLayers = v.path("num_hidden_layers").asInt(12);
    vHeads = v.path("num_attention_heads").asInt(12);
    imageSize = v.path("image_size").asInt(224);
    patch = v.path("patch_size").asInt(32);
    vEps = v.path("layer_norm_eps").asDouble(1e-5);
    quickGelu = v.path("hidden_act").asText("quick_gelu").equals("quick_gelu");
    JsonNode t = config.path("text_config");
    hidden = t.path("hidden_size").asInt(4096);
    inter = t.path("intermediate_size").asInt(11008);
    layers = t.path("num_hidden_layers").asInt(32);
    heads = t.path("num_attention_heads").asInt(32);
    kvHeads = t.path("num_key_value_heads").asInt(heads);
    headDim =
        t.has("head_dim") && !t.get("head_dim").isNull()
            ? t.get("head_dim").asInt()
            : hidden / heads;
    vocab = t.path("vocab_size").asInt(32000);
    rmsEps = t.path("rms_norm_eps").asDouble(1e-6);
    ropeTheta =
        t.path("rope_parameters")
            .path("rope_theta")
            .asDouble(t.path("rope_theta").asDouble(10000.0));
    tied = t.path("tie_word_embeddings").asBoolean(false);
    imageTokenId = config.path("image_token_index").asInt(32000);
    JsonNode layerNode = config.path("vision_feature_layer");
    if (layerNode.isArray()) {
      featureLayers = new int[layerNode.size()];
      for (int i = 0; i < featureLayers.length; i++) {
        featureLayers[i] = layerNode.get(i).asInt();
      }
    } else {
      featureLayers = new int[] {layerNode.asInt(-2)};
    }
    keepCls = config.path("vision_feature_select_strategy").asText("default").equals("full");
    w = weights;
  }

  /**
   * Reads config.json and the weights (one file or the shards of an index), in either key layout.
   */
  static ReferenceLlava load(Path dir) {
    ObjectMapper json = new ObjectMapper();
    try {
      JsonNode config = json.readTree(dir.resolve("config.json").toFile());
      Set<String> files = new LinkedHashSet<>();
      Path index = dir.resolve("model.safetensors.index.json");
      if (Files.exists(index)) {
        json.readTree(index.toFile()).path("weight_map").forEach(f -> files.add(f.asText()));
      } else {
        files.add("model.safetensors");
      }
      Map<String, float[]> weights = new HashMap<>();
      for (String file : files) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(file))) {
          for (String key : f.tensors().keySet()) {
            weights.put(legacyName(key), f.floats(key));
          }
        }
      }
      return new ReferenceLlava(config, weights);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Any transformers layout → legacy names: transformers >= 4.52 writes model.vision_tower...,
   * model.language_model..., lm_head; transformers 5 may drop the CLIP tower's vision_model level.
   */
  private static String legacyName(String key) {
    if (key.equals("lm_head.weight")) {
      return "language_model.lm_head.weight";
    }
    if (key.startsWith("model.language_model.")) {
      return "language_model.model." + key.substring("model.language_model.".length());
    }
    String k =
        key.startsWith("model.vision_tower.") || key.startsWith("model.multi_modal_projector.")
            ? key.substring("model.".length())
            : key;
    if (k.startsWith("vision_tower.") && !k.startsWith("vision_tower.vision_model.")) {
      k = "vision_tower.vision_model." + k.substring("vision_tower.".length());
    }
    return k;
  }

  int imageSeqLength() {
    int side = imageSize / patch;
    return side * side + (keepCls ? 1 : 0);
  }

  int pixelsPerImage() {
    return 3 * imageSize * imageSize;
  }

  private float[] weight(String name) {
    float[] x = w.get(name);
    if (x == null) {
      throw new IllegalStateException("reference: no tensor " + name);
    }
    return x;
  }

  // ---------------------------------------------------------------- CLIP vision tower

  /**
   * CLIPVisionTransformer with output_hidden_states: (layers + 1) states, each (1 + patches,
   * vHidden).
   */
  List<float[]> visionHiddenStates(float[] pixels) {
    String p = "vision_tower.vision_model.";
    int side = imageSize / patch;
    int n = side * side;
    int tokens = n + 1;
    // CLIPVisionEmbeddings: conv (no bias, stride = kernel = patch), flatten(2).transpose(1, 2)
    float[] conv = weight(p + "embeddings.patch_embedding.weight"); // (vHidden, 3, patch, patch)
    float[] cls = weight(p + "embeddings.class_embedding");
    float[] pos = weight(p + "embeddings.position_embedding.weight"); // (tokens, vHidden)
    float[] x = new float[tokens * vHidden];
    for (int o = 0; o < vHidden; o++) {
      x[o] = cls[o] + pos[o];
    }
    for (int py = 0; py < side; py++) {
      for (int px = 0; px < side; px++) {
        int token = 1 + py * side + px;
        for (int o = 0; o < vHidden; o++) {
          double s = 0;
          for (int c = 0; c < 3; c++) {
            for (int ky = 0; ky < patch; ky++) {
              for (int kx = 0; kx < patch; kx++) {
                s +=
                    (double) conv[((o * 3 + c) * patch + ky) * patch + kx]
                        * pixels[(c * imageSize + py * patch + ky) * imageSize + px * patch + kx];
              }
            }
          }
          x[token * vHidden + o] = (float) (s + pos[token * vHidden + o]);
        }
      }
    }
    // pre_layrnorm; hidden_states[0] is its output (the encoder's inputs_embeds)
    x =
        layerNorm(
            x,
            tokens,
            vHidden,
            weight(p + "pre_layrnorm.weight"),
            weight(p + "pre_layrnorm.bias"),
            vEps);
    List<float[]> states = new ArrayList<>();
    states.add(x);
    for (int l = 0; l < vLayers; l++) {
      String q = p + "encoder.layers." + l + ".";
      float[] h =
          layerNorm(
              x,
              tokens,
              vHidden,
              weight(q + "layer_norm1.weight"),
              weight(q + "layer_norm1.bias"),
              vEps);
      float[] qs =
          linear(
              h,
              tokens,
              vHidden,
              weight(q + "self_attn.q_proj.weight"),
              weight(q + "self_attn.q_proj.bias"),
              vHidden);
      float[] ks =
          linear(
              h,
              tokens,
              vHidden,
              weight(q + "self_attn.k_proj.weight"),
              weight(q + "self_attn.k_proj.bias"),
              vHidden);
      float[] vs =
          linear(
              h,
              tokens,
              vHidden,
              weight(q + "self_attn.v_proj.weight"),
              weight(q + "self_attn.v_proj.bias"),
              vHidden);
      float[] ctx = attention(qs, ks, vs, tokens, vHeads, vHeads, vHidden / vHeads, false);
      x =
          add(
              x,
              linear(
                  ctx,
                  tokens,
                  vHidden,
                  weight(q + "self_attn.out_proj.weight"),
                  weight(q + "self_attn.out_proj.bias"),
                  vHidden));
      h =
          layerNorm(
              x,
              tokens,
              vHidden,
              weight(q + "layer_norm2.weight"),
              weight(q + "layer_norm2.bias"),
              vEps);
      float[] f =
          linear(
              h, tokens, vHidden, weight(q + "mlp.fc1.weight"), weight(q + "mlp.fc1.bias"), vInter);
      for (int i = 0; i < f.length; i++) {
        f[i] = quickGelu ? (float) (f[i] / (1 + Math.exp(-1.702 * f[i]))) : gelu(f[i]);
      }
      x =
          add(
              x,
              linear(
                  f,
                  tokens,
                  vInter,
                  weight(q + "mlp.fc2.weight"),
                  weight(q + "mlp.fc2.bias"),
                  vHidden));
      states.add(x);
    }
    return states;
  }

  /** LlavaModel.get_image_features before the projector: (image tokens, vHidden × layers). */
  float[] selectedVisionFeatures(float[] pixels) {
    List<float[]> states = visionHiddenStates(pixels);
    int tokens = imageSeqLength();
    int skip = keepCls ? 0 : 1;
    int width = vHidden * featureLayers.length;
    float[] out = new float[tokens * width];
    for (int j = 0; j < featureLayers.length; j++) {
      int layer = featureLayers[j];
      float[] state =
          states.get(layer < 0 ? states.size() + layer : layer); // python negative indexing
      for (int tkn = 0; tkn < tokens; tkn++) {
        System.arraycopy(state, (tkn + skip) * vHidden, out, tkn * width + j * vHidden, vHidden);
      }
    }
    return out;
  }

  /**
   * LlavaMultiModalProjector: linear_1 → GELU (erf) → linear_2, or linear_1 alone. (image tokens,
   * hidden)
   */
  float[] imageFeatures(float[] pixels) {
    int tokens = imageSeqLength();
    int in = vHidden * featureLayers.length;
    float[] x =
        linear(
            selectedVisionFeatures(pixels),
            tokens,
            in,
            weight("multi_modal_projector.linear_1.weight"),
            w.get("multi_modal_projector.linear_1.bias"),
            hidden);
    if (!w.containsKey("multi_modal_projector.linear_2.weight")) {
      return x;
    }
    for (int i = 0; i < x.length; i++) {
      x[i] = gelu(x[i]);
    }
    return linear(
        x,
        tokens,
        hidden,
        weight("multi_modal_projector.linear_2.weight"),
        w.get("multi_modal_projector.linear_2.bias"),
        hidden);
  }

  // ---------------------------------------------------------------- LLaMA

  /**
   * Logits of every position of one prompt (t, vocab). Image tokens take the features of {@code
   * pixels} (images concatenated, channel-major) in order, as masked_scatter does.
   */
  float[] logits(int[] ids, float[] pixels) {
    int t = ids.length;
    String p = "language_model.model.";
    float[] embed = weight(p + "embed_tokens.weight");
    float[] x = new float[t * hidden];
    int images = pixels == null ? 0 : pixels.length / pixelsPerImage();
    List<float[]> features = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      features.add(
          imageFeatures(
              java.util.Arrays.copyOfRange(
                  pixels, i * pixelsPerImage(), (i + 1) * pixelsPerImage())));
    }
    int imageTokens = 0;
    for (int i = 0; i < t; i++) {
      if (ids[i] == imageTokenId) {
        int img = imageTokens / imageSeqLength();
        int row = imageTokens % imageSeqLength();
        System.arraycopy(features.get(img), row * hidden, x, i * hidden, hidden);
        imageTokens++;
      } else {
        System.arraycopy(embed, ids[i] * hidden, x, i * hidden, hidden);
      }
    }
    if (imageTokens != images * imageSeqLength()) {
      throw new IllegalArgumentException(imageTokens + " image tokens for " + images + " images");
    }
    // LlamaRotaryEmbedding, default rope: inv_freq in float32, angles = inv_freq × position in
    // float32
    int half = headDim / 2;
    float[] invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (float) (2 * i) / (float) headDim;
      invFreq[i] = 1.0f / (float) Math.pow((float) ropeTheta, exponent);
    }
    float[] cos = new float[t * headDim];
    float[] sin = new float[t * headDim];
    for (int pos = 0; pos < t; pos++) {
      for (int i = 0; i < headDim; i++) {
        float angle = invFreq[i % half] * (float) pos; // emb = cat(freqs, freqs)
        cos[pos * headDim + i] = (float) Math.cos(angle);
        sin[pos * headDim + i] = (float) Math.sin(angle);
      }
    }
    int qWidth = heads * headDim;
    int kvWidth = kvHeads * headDim;
    for (int l = 0; l < layers; l++) {
      String q = p + "layers." + l + ".";
      float[] h = rmsNorm(x, t, hidden, weight(q + "input_layernorm.weight"), rmsEps);
      float[] qs =
          rope(
              linear(h, t, hidden, weight(q + "self_attn.q_proj.weight"), null, qWidth),
              t,
              heads,
              cos,
              sin);
      float[] ks =
          rope(
              linear(h, t, hidden, weight(q + "self_attn.k_proj.weight"), null, kvWidth),
              t,
              kvHeads,
              cos,
              sin);
      float[] vs = linear(h, t, hidden, weight(q + "self_attn.v_proj.weight"), null, kvWidth);
      float[] ctx = attention(qs, ks, vs, t, heads, kvHeads, headDim, true);
      x = add(x, linear(ctx, t, qWidth, weight(q + "self_attn.o_proj.weight"), null, hidden));
      h = rmsNorm(x, t, hidden, weight(q + "post_attention_layernorm.weight"), rmsEps);
      float[] gate = linear(h, t, hidden, weight(q + "mlp.gate_proj.weight"), null, inter);
      float[] up = linear(h, t, hidden, weight(q + "mlp.up_proj.weight"), null, inter);
      for (int i = 0; i < gate.length; i++) {
        gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i])) * up[i]); // silu(gate) * up
      }
      x = add(x, linear(gate, t, inter, weight(q + "mlp.down_proj.weight"), null, hidden));
    }
    x = rmsNorm(x, t, hidden, weight(p + "norm.weight"), rmsEps);
    float[] head =
        tied && !w.containsKey("language_model.lm_head.weight")
            ? embed
            : weight("language_model.lm_head.weight");
    return linear(x, t, hidden, head, null, vocab);
  }

  /** Greedy decoding by full recomputation; EOS ends the row and is not returned. */
  int[] greedy(int[] prompt, float[] pixels, int newTokens, int eos) {
    List<Integer> out = new ArrayList<>();
    int[] ids = prompt.clone();
    for (int k = 0; k < newTokens; k++) {
      float[] logits = logits(ids, pixels);
      int base = (ids.length - 1) * vocab;
      int best = 0;
      for (int i = 1; i < vocab; i++) {
        if (logits[base + i] > logits[base + best]) {
          best = i;
        }
      }
      if (best == eos) {
        break;
      }
      out.add(best);
      ids = java.util.Arrays.copyOf(ids, ids.length + 1);
      ids[ids.length - 1] = best;
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * apply_rotary_pos_emb: x·cos + rotate_half(x)·sin, rotate_half(x) = cat(-x2, x1). x: (t, heads ×
   * headDim)
   */
  private float[] rope(float[] x, int t, int nHeads, float[] cos, float[] sin) {
    int half = headDim / 2;
    float[] out = new float[x.length];
    for (int pos = 0; pos < t; pos++) {
      for (int hd = 0; hd < nHeads; hd++) {
        int base = pos * nHeads * headDim + hd * headDim;
        for (int i = 0; i < headDim; i++) {
          float rotated = i < half ? -x[base + i + half] : x[base + i - half];
          out[base + i] =
              (float)
                  ((double) x[base + i] * cos[pos * headDim + i]
                      + (double) rotated * sin[pos * headDim + i]);
        }
      }
    }
    return out;
  }

  /**
   * Scaled dot-product attention; query head h reads key/value head h / (heads / kvHeads), as
   * repeat_kv arranges. q: (t, heads × d), k and v: (t, kvHeads × d) → (t, heads × d)
   */
  private static float[] attention(
      float[] q, float[] k, float[] v, int t, int heads, int kvHeads, int d, boolean causal) {
    int group = heads / kvHeads;
    double scale = 1.0 / Math.sqrt(d);
    float[] out = new float[t * heads * d];
    double[] scores = new double[t];
    for (int h = 0; h < heads; h++) {
      int kvh = h / group;
      for (int i = 0; i < t; i++) {
        int visible = causal ? i + 1 : t;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < visible; j++) {
          double s = 0;
          for (int e = 0; e < d; e++) {
            s += (double) q[(i * heads + h) * d + e] * k[(j * kvHeads + kvh) * d + e];
          }
          scores[j] = s * scale;
          max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j < visible; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (int e = 0; e < d; e++) {
          double s = 0;
          for (int j = 0; j < visible; j++) {
            s += scores[j] / sum * v[(j * kvHeads + kvh) * d + e];
          }
          out[(i * heads + h) * d + e] = (float) s;
        }
      }
    }
    return out;
  }

  /** nn.Linear: x (rows, in) · weightᵀ (out, in) + bias → (rows, out) */
  private static float[] linear(
      float[] x, int rows, int in, float[] weight, float[] bias, int out) {
    if (weight.length != in * out) {
      throw new IllegalStateException(
          "reference: weight of " + weight.length + " values is not " + out + "×" + in);
    }
    float[] y = new float[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          s += (double) x[r * in + i] * weight[o * in + i];
        }
        y[r * out + o] = (float) s;
      }
    }
    return y;
  }

  private static float[] layerNorm(
      float[] x, int rows, int dim, float[] weight, float[] bias, double eps) {
    float[] y = new float[x.length];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int i = 0; i < dim; i++) {
        mean += x[r * dim + i];
      }
      mean /= dim;
      double var = 0;
      for (int i = 0; i < dim; i++) {
        double c = x[r * dim + i] - mean;
        var += c * c;
      }
      var /= dim; // biased, as torch's layer_norm
      double inv = 1.0 / Math.sqrt(var + eps);
      for (int i = 0; i < dim; i++) {
        y[r * dim + i] = (float) ((x[r * dim + i] - mean) * inv * weight[i] + bias[i]);
      }
    }
    return y;
  }

  /** LlamaRMSNorm: weight · x / sqrt(mean(x²) + eps). */
  private static float[] rmsNorm(float[] x, int rows, int dim, float[] weight, double eps) {
    float[] y = new float[x.length];
    for (int r = 0; r < rows; r++) {
      double sq = 0;
      for (int i = 0; i < dim; i++) {
        sq += (double) x[r * dim + i] * x[r * dim + i];
      }
      double inv = 1.0 / Math.sqrt(sq / dim + eps);
      for (int i = 0; i < dim; i++) {
        y[r * dim + i] = (float) (weight[i] * (x[r * dim + i] * inv));
      }
    }
    return y;
  }

  private static float[] add(float[] a, float[] b) {
    float[] y = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      y[i] = a[i] + b[i];
    }
    return y;
  }

  /** torch.nn.functional.gelu (exact): x/2 · erfc(-x/√2). */
  private static float gelu(float x) {
    return (float) (0.5 * x * erfc(-x / Math.sqrt(2)));
  }

  /** Complementary error function, relative error below 1.2e-7 (Numerical Recipes' erfcc). */
  private static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r =
        t
            * Math.exp(
                -z * z
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }
}
