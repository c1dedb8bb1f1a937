package dev.glimpse.model.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.glimpse.model.Layers;
import dev.glimpse.model.WeightLoader;
import dev.glimpse.model.config.TextConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The LLaMA decoder: token embeddings, pre-norm layers of rotary grouped-query attention and a
 * SwiGLU MLP, a final RMSNorm and the LM head. q/k/v and gate/up weights are fused at load.
 */
public final class LlamaLanguageModel {

  private final TextConfig config;
  private final NDArray embedTokens; // (vocab, hidden)
  private final List<DecoderLayer> layers;
  private final Layers.RmsNorm norm;
  private final Layers.Linear lmHead; // (hidden, vocab)
  private final NDArray inverseFrequencies; // (head dim / 2), float32
  private final NDArray rotateHalf; // (head dim, head dim): x·R = cat(-x2, x1)

  private record DecoderLayer(
      Layers.RmsNorm inputNorm,
      Layers.Linear qkv, // (hidden, (heads + 2 kv heads) * head dim)
      Layers.Linear oProj, // (heads * head dim, hidden)
      Layers.RmsNorm postAttentionNorm,
      Layers.Linear gateUp, // (hidden, 2 * intermediate)
      Layers.Linear downProj) {} // (intermediate, hidden)

  private LlamaLanguageModel(TextConfig config, NDArray embedTokens, List<DecoderLayer> layers,
      Layers.RmsNorm norm, Layers.Linear lmHead, NDArray inverseFrequencies, NDArray rotateHalf) {
    this.config = config;
    this.embedTokens = embedTokens;
    this.layers = layers;
    this.norm = norm;
    this.lmHead = lmHead;
    this.inverseFrequencies = inverseFrequencies;
    this.rotateHalf = rotateHalf;
  }

  public static LlamaLanguageModel load(WeightLoader w, TextConfig c, dev.glimpse.model.LoadProgress progress) {
    long h = c.hiddenSize();
    long d = c.headDim();
    long q = (long) c.numAttentionHeads() * d;
    long kv = (long) c.numKeyValueHeads() * d;
    long inter = c.intermediateSize();
    NDArray embed = w.tensor("text.embed_tokens.weight", c.vocabSize(), h);
    List<DecoderLayer> layers = new ArrayList<>();
    NDArray queryScale = queryScale(w.manager(), q, kv, d, w.dtype());
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String p = "text.layers." + i;
      layers.add(new DecoderLayer(
          w.rmsNorm(p + ".input_layernorm", h, c.rmsNormEps()),
          scaleOutputs(w.fusedLinear(new String[] {p + ".self_attn.q_proj", p + ".self_attn.k_proj",
              p + ".self_attn.v_proj"}, h, new long[] {q, kv, kv}, c.attentionBias()), queryScale),
          w.linear(p + ".self_attn.o_proj", q, h, c.attentionBias()),
          w.rmsNorm(p + ".post_attention_layernorm", h, c.rmsNormEps()),
          w.fusedLinear(new String[] {p + ".mlp.gate_proj", p + ".mlp.up_proj"}, h, new long[] {inter, inter},
              c.mlpBias()),
          w.linear(p + ".mlp.down_proj", inter, h, c.mlpBias())));
      progress.loaded("language model", i + 1, c.numHiddenLayers());
    }
    Layers.Linear lmHead = c.tieWordEmbeddings() && !w.has("text.lm_head.weight")
        ? new Layers.Linear(embed.transpose().duplicate(), null)
        : w.linear("text.lm_head", h, c.vocabSize(), false);
    NDManager m = w.manager();
    NDArray invFreq = m.create(c.rope().inverseFrequencies((int) d));
    return new LlamaLanguageModel(c, embed, List.copyOf(layers), w.rmsNorm("text.norm", h, c.rmsNormEps()),
        lmHead, invFreq, rotateHalfMatrix(m, (int) d, w.dtype()));
  }

  /**
   * 1/sqrt(head dim) for the query outputs of the fused q/k/v weight, 1 for keys and values.
   * Rotary embedding is linear, so scaling q before it equals scaling the scores after q·k:
   * the attention scale costs nothing per step.
   */
  private static NDArray queryScale(NDManager m, long q, long kv, long d, DataType dtype) {
    float[] scale = new float[(int) (q + 2 * kv)];
    java.util.Arrays.fill(scale, 0, (int) q, (float) (1.0 / Math.sqrt(d)));
    java.util.Arrays.fill(scale, (int) q, scale.length, 1f);
    NDArray s = m.create(scale);
    return dtype == DataType.FLOAT32 ? s : s.toType(dtype, false);
  }

  private static Layers.Linear scaleOutputs(Layers.Linear linear, NDArray scale) {
    linear.weightT().muli(scale);
    if (linear.bias() != null) {
      linear.bias().muli(scale);
    }
    return linear;
  }

  /** R such that x·R = cat(-x[d/2:], x[:d/2]), transformers' rotate_half, as one exact matMul. */
  private static NDArray rotateHalfMatrix(NDManager m, int d, DataType dtype) {
    float[] r = new float[d * d];
    int half = d / 2;
    for (int j = 0; j < half; j++) {
      r[(j + half) * d + j] = -1f; // out[j] = -x[j + half]
      r[j * d + j + half] = 1f; // out[j + half] = x[j]
    }
    NDArray matrix = m.create(r, new ai.djl.ndarray.types.Shape(d, d));
    return dtype == DataType.FLOAT32 ? matrix : matrix.toType(dtype, false);
  }

  public TextConfig config() {
    return config;
  }

  /** The dtype activations are computed in (that of the weights). */
  public DataType embedDtype() {
    return embedTokens.getDataType();
  }

  /** Token embeddings. (batch, t) int64 → (batch, t, hidden) */
  public NDArray embed(NDArray tokenIds) {
    return Embedding.embedding(tokenIds, embedTokens, SparseFormat.DENSE).singletonOrThrow();
  }

  /**
   * Runs the decoder over new positions, reading and extending the cache.
   *
   * @param inputsEmbeds (batch, t, hidden)
   * @param positions (batch, t) float32 rotary positions of the new tokens
   * @param mask (batch, 1, t, offset + t) float32, 0 where a query may attend, a large negative
   *     number where it may not
   * @param offset cache positions already filled
   * @return (batch, t, hidden), after the final norm
   */
  public NDArray forward(NDArray inputsEmbeds, NDArray positions, NDArray mask, KvCache cache, int offset) {
    DataType dtype = inputsEmbeds.getDataType();
    // 1. rotary angles for these positions: (batch, 1, t, head dim)
    NDArray freqs = positions.expandDims(-1).mul(inverseFrequencies);
    NDArray angles = NDArrays.concat(new NDList(freqs, freqs), -1).expandDims(1);
    NDArray cos = angles.cos().toType(dtype, false);
    NDArray sin = angles.sin().toType(dtype, false);
    NDArray groupedMask = mask.expandDims(2); // (batch, 1, 1, t, s)
    NDArray hidden = inputsEmbeds;
    for (int i = 0; i < layers.size(); i++) {
      DecoderLayer layer = layers.get(i);
      // 2. attention block, pre-norm and residual
      hidden = hidden.add(attention(i, layer, layer.inputNorm().forward(hidden), cos, sin, groupedMask, cache, offset));
      // 3. SwiGLU MLP block, pre-norm and residual
      hidden = hidden.add(mlp(layer, layer.postAttentionNorm().forward(hidden)));
    }
    // 4. final norm
    return norm.forward(hidden);
  }

  /** Next-token logits. (..., hidden) → (..., vocab) float32 */
  public NDArray logits(NDArray hidden) {
    NDArray logits = lmHead.forward(hidden);
    return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
  }

  private NDArray attention(int index, DecoderLayer layer, NDArray x, NDArray cos, NDArray sin,
      NDArray groupedMask, KvCache cache, int offset) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();
    int group = config.queriesPerKeyValue();
    // 1. fused projection, split into heads: (batch, heads + 2 kv heads, t, d)
    NDArray qkv = layer.qkv().forward(x).reshape(b, t, heads + 2L * kvHeads, d).transpose(0, 2, 1, 3);
    NDArray q = qkv.get(":, :{}", heads);
    NDArray k = qkv.get(":, {}:{}", heads, heads + kvHeads);
    NDArray v = qkv.get(":, {}:", heads + kvHeads);
    // 2. rotary position embedding: x·cos + rotate_half(x)·sin
    q = q.mul(cos).addi(q.matMul(rotateHalf).muli(sin));
    k = k.mul(cos).addi(k.matMul(rotateHalf).muli(sin));
    // 3. append to the cache; keys and values of every position so far: (batch, kv heads, s, d)
    NDArray[] kvAll = cache.append(index, offset, k, v);
    long s = kvAll[0].getShape().get(2);
    // 4. grouped-query attention without copying K/V: the queries sharing a KV head become rows
    NDArray grouped = q.reshape(b, kvHeads, (long) group * t, d);
    NDArray scores = grouped.matMul(kvAll[0].transpose(0, 1, 3, 2)).reshape(b, kvHeads, group, t, s);
    NDArray scores32 = (scores.getDataType() == DataType.FLOAT32 ? scores : scores.toType(DataType.FLOAT32, false))
        .addi(groupedMask); // q was scaled by 1/sqrt(d) at load
    NDArray probs32 = scores32.softmax(-1);
    NDArray probs = (x.getDataType() == DataType.FLOAT32 ? probs32 : probs32.toType(x.getDataType(), false)).reshape(b, kvHeads, (long) group * t, s);
    NDArray context = probs.matMul(kvAll[1]).reshape(b, heads, t, d).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d);
    // 5. output projection
    return layer.oProj().forward(context);
  }

  private NDArray mlp(DecoderLayer layer, NDArray x) {
    long inter = config.intermediateSize();
    NDArray gateUp = layer.gateUp().forward(x);
    NDArray gate = gateUp.get("..., :{}", inter);
    NDArray up = gateUp.get("..., {}:", inter);
    return layer.downProj().forward(Layers.silu(gate).muli(up));
  }
}
