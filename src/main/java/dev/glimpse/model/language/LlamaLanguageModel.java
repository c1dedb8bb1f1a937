package dev.glimpse.model.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.glimpse.model.Layers;
import dev.glimpse.model.LoadProgress;
import dev.glimpse.model.WeightLoader;
import dev.glimpse.model.config.TextConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The LLaMA decoder: token embeddings, pre-norm layers of rotary grouped-query attention and a
 * SwiGLU MLP, a final RMSNorm and the LM head. q/k/v and gate/up weights are fused at load.
 *
 * <p>Shapes in the comments use these dimensions: B batch rows, T new positions in this call, S =
 * offset + T positions in the cache after it, E hidden size, V vocabulary, Q query heads, R
 * key/value heads, G = Q / R queries per key/value head, K head size, F MLP (intermediate) size. A
 * linear layer's weight is kept transposed, (in, out), so {@code (B, T, E) x (E, F)} is one matMul.
 */
public final class LlamaLanguageModel {

  private final TextConfig config;
  private final NDArray embedTokens; // (V, E)
  private final List<DecoderLayer> layers;
  private final Layers.RmsNorm norm; // weight (E)
  private final Layers.Linear lmHead; // weight (E, V), no bias
  private final NDArray inverseFrequencies; // (K / 2), float32
  private final NDArray rotateHalf; // (K, K): x·R = cat(-x2, x1)

  private record DecoderLayer(
      Layers.RmsNorm inputNorm, // weight (E)
      Layers.Linear
          qkv, // weight (E, (Q + 2R)·K), q columns pre-scaled by 1/sqrt(K); bias ((Q + 2R)·K) or
      // none
      Layers.Linear oProj, // weight (Q·K, E), bias (E) or none
      Layers.RmsNorm postAttentionNorm, // weight (E)
      Layers.Linear gateUp, // weight (E, 2F): gate then up; bias (2F) or none
      Layers.Linear downProj) {} // weight (F, E), bias (E) or none

  private LlamaLanguageModel(
      TextConfig config,
      NDArray embedTokens,
      List<DecoderLayer> layers,
      Layers.RmsNorm norm,
      Layers.Linear lmHead,
      NDArray inverseFrequencies,
      NDArray rotateHalf) {
    this.config = config;
    this.embedTokens = embedTokens;
    this.layers = layers;
    this.norm = norm;
    this.lmHead = lmHead;
    this.inverseFrequencies = inverseFrequencies;
    this.rotateHalf = rotateHalf;
  }

  public static LlamaLanguageModel load(WeightLoader w, TextConfig c, LoadProgress progress) {
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
      layers.add(
          new DecoderLayer(
              w.rmsNorm(p + ".input_layernorm", h, c.rmsNormEps()),
              scaleOutputs(
                  w.fusedLinear(
                      new String[] {
                        p + ".self_attn.q_proj", p + ".self_attn.k_proj", p + ".self_attn.v_proj"
                      },
                      h,
                      new long[] {q, kv, kv},
                      c.attentionBias()),
                  queryScale),
              w.linear(p + ".self_attn.o_proj", q, h, c.attentionBias()),
              w.rmsNorm(p + ".post_attention_layernorm", h, c.rmsNormEps()),
              w.fusedLinear(
                  new String[] {p + ".mlp.gate_proj", p + ".mlp.up_proj"},
                  h,
                  new long[] {inter, inter},
                  c.mlpBias()),
              w.linear(p + ".mlp.down_proj", inter, h, c.mlpBias())));
      progress.loaded("language model", i + 1, c.numHiddenLayers());
    }
    Layers.Linear lmHead =
        c.tieWordEmbeddings() && !w.has("text.lm_head.weight")
            ? new Layers.Linear(embed.transpose().duplicate(), null)
            : w.linear("text.lm_head", h, c.vocabSize(), false);
    NDManager m = w.manager();
    NDArray invFreq = m.create(c.rope().inverseFrequencies((int) d));
    return new LlamaLanguageModel(
        c,
        embed,
        List.copyOf(layers),
        w.rmsNorm("text.norm", h, c.rmsNormEps()),
        lmHead,
        invFreq,
        rotateHalfMatrix(m, (int) d, w.dtype()));
  }

  /**
   * 1/sqrt(head dim) for the query outputs of the fused q/k/v weight, 1 for keys and values. Rotary
   * embedding is linear, so scaling q before it equals scaling the scores after q·k: the attention
   * scale costs nothing per step.
   */
  private static NDArray queryScale(NDManager m, long q, long kv, long d, DataType dtype) {
    float[] scale = new float[(int) (q + 2 * kv)];
    Arrays.fill(scale, 0, (int) q, (float) (1.0 / Math.sqrt(d)));
    Arrays.fill(scale, (int) q, scale.length, 1f);
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
    NDArray matrix = m.create(r, new Shape(d, d));
    return dtype == DataType.FLOAT32 ? matrix : matrix.toType(dtype, false);
  }

  public TextConfig config() {
    return config;
  }

  /** The dtype activations are computed in (that of the weights). */
  public DataType embedDtype() {
    return embedTokens.getDataType();
  }

  /**
   * An empty cache of this model's layers, heads and dtype: {@code batch} rows of up to {@code
   * capacity} positions, in a sub-manager of {@code parent}.
   */
  public KvCache newCache(NDManager parent, int batch, int capacity) {
    return new KvCache(
        parent,
        config.numHiddenLayers(),
        batch,
        config.numKeyValueHeads(),
        capacity,
        config.headDim(),
        embedDtype());
  }

  /** Token embeddings: (B, T) int64 ids -> (B, T, E), rows of (V, E). */
  public NDArray embed(NDArray tokenIds) {
    return Embedding.embedding(tokenIds, embedTokens, SparseFormat.DENSE).singletonOrThrow();
  }

  /**
   * Runs the decoder over new positions, reading and extending the cache.
   *
   * @param inputsEmbeds (B, T, E)
   * @param positions (B, T) float32 rotary positions of the new tokens
   * @param mask (B, 1, T, S) float32, 0 where a query may attend, a large negative number where it
   *     may not
   * @param offset cache positions already filled (S - T)
   * @return (B, T, E), after the final norm
   */
  public NDArray forward(
      NDArray inputsEmbeds, NDArray positions, NDArray mask, KvCache cache, int offset) {
    DataType dtype = inputsEmbeds.getDataType();
    // 1. rotary angles for these positions: (B, T, 1) * (K / 2) -> (B, T, K / 2), twice -> (B, 1,
    // T, K)
    NDArray freqs = positions.expandDims(-1).mul(inverseFrequencies);
    NDArray angles = NDArrays.concat(new NDList(freqs, freqs), -1).expandDims(1);
    NDArray cos = angles.cos().toType(dtype, false); // (B, 1, T, K)
    NDArray sin = angles.sin().toType(dtype, false); // (B, 1, T, K)
    NDArray groupedMask = mask.expandDims(2); // (B, 1, 1, T, S)
    NDArray hidden = inputsEmbeds; // (B, T, E)
    for (int i = 0; i < layers.size(); i++) {
      DecoderLayer layer = layers.get(i);
      // 2. attention block, pre-norm and residual: (B, T, E) -> (B, T, E)
      hidden =
          hidden.add(
              attention(
                  i,
                  layer,
                  layer.inputNorm().forward(hidden),
                  cos,
                  sin,
                  groupedMask,
                  cache,
                  offset));
      // 3. SwiGLU MLP block, pre-norm and residual: (B, T, E) -> (B, T, E)
      hidden = hidden.add(mlp(layer, layer.postAttentionNorm().forward(hidden)));
    }
    // 4. final norm: (B, T, E)
    return norm.forward(hidden);
  }

  /** Next-token logits: (..., E) x (E, V) -> (..., V), float32. */
  public NDArray logits(NDArray hidden) {
    NDArray logits = lmHead.forward(hidden);
    return logits.getDataType() == DataType.FLOAT32
        ? logits
        : logits.toType(DataType.FLOAT32, false);
  }

  private NDArray attention(
      int index,
      DecoderLayer layer,
      NDArray x,
      NDArray cos,
      NDArray sin,
      NDArray groupedMask,
      KvCache cache,
      int offset) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();
    int group = config.queriesPerKeyValue();
    // 1. fused projection, split into heads:
    //    (B, T, E) x (E, (Q + 2R)·K) -> (B, T, Q + 2R, K) -> (B, Q + 2R, T, K)
    NDArray qkv =
        layer.qkv().forward(x).reshape(b, t, heads + 2L * kvHeads, d).transpose(0, 2, 1, 3);
    NDArray q = qkv.get(":, :{}", heads); // (B, Q, T, K)
    NDArray k = qkv.get(":, {}:{}", heads, heads + kvHeads); // (B, R, T, K)
    NDArray v = qkv.get(":, {}:", heads + kvHeads); // (B, R, T, K)
    // 2. rotary position embedding: x·cos + rotate_half(x)·sin, rotate_half(x) = x·R with R (K, K);
    //    cos and sin (B, 1, T, K) broadcast over the heads
    q = q.mul(cos).addi(q.matMul(rotateHalf).muli(sin)); // (B, Q, T, K)
    k = k.mul(cos).addi(k.matMul(rotateHalf).muli(sin)); // (B, R, T, K)
    // 3. append to the cache; keys and values of every position so far: (B, R, S, K) each
    NDArray[] kvAll = cache.append(index, offset, k, v);
    long s = kvAll[0].getShape().get(2);
    // 4. grouped-query attention without copying K/V: query head h reads key/value head h / G, so
    //    the G queries sharing one become rows: (B, Q, T, K) -> (B, R, G·T, K)
    NDArray grouped = q.reshape(b, kvHeads, (long) group * t, d);
    //    (B, R, G·T, K) x (B, R, K, S) -> (B, R, G·T, S) -> (B, R, G, T, S)
    NDArray scores =
        grouped.matMul(kvAll[0].transpose(0, 1, 3, 2)).reshape(b, kvHeads, group, t, s);
    NDArray scores32 =
        (scores.getDataType() == DataType.FLOAT32 ? scores : scores.toType(DataType.FLOAT32, false))
            .addi(groupedMask); // + (B, 1, 1, T, S); q was scaled by 1/sqrt(K) at load
    NDArray probs32 = scores32.softmax(-1); // (B, R, G, T, S), float32
    NDArray probs =
        (x.getDataType() == DataType.FLOAT32 ? probs32 : probs32.toType(x.getDataType(), false))
            .reshape(b, kvHeads, (long) group * t, s); // (B, R, G·T, S)
    // 5. weighted values, heads joined:
    //    (B, R, G·T, S) x (B, R, S, K) -> (B, R, G·T, K) -> (B, Q, T, K) -> (B, T, Q, K) -> (B, T,
    // Q·K)
    NDArray context =
        probs
            .matMul(kvAll[1])
            .reshape(b, heads, t, d)
            .transpose(0, 2, 1, 3)
            .reshape(b, t, (long) heads * d);
    // 6. output projection: (B, T, Q·K) x (Q·K, E) -> (B, T, E)
    return layer.oProj().forward(context);
  }

  /** SwiGLU: (B, T, E) x (E, 2F) -> gate, up (B, T, F); silu(gate)·up x (F, E) -> (B, T, E). */
  private NDArray mlp(DecoderLayer layer, NDArray x) {
    long inter = config.intermediateSize();
    NDArray gateUp = layer.gateUp().forward(x); // (B, T, 2F)
    NDArray gate = gateUp.get("..., :{}", inter); // (B, T, F)
    NDArray up = gateUp.get("..., {}:", inter); // (B, T, F)
    return layer.downProj().forward(Layers.silu(gate).muli(up)); // (B, T, F) x (F, E) -> (B, T, E)
  }
}
