package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import dev.glimpse.model.checkpoint.LlavaCheckpointWriter;
import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.RandomLlava;
import dev.glimpse.model.checkpoint.SafetensorsWriter;
import dev.glimpse.model.config.LlavaConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * A LLaVA whose weights are trainable NDArrays kept exactly as the checkpoint stores them (legacy
 * llava-hf names, (out, in) matrices, unscaled, unfused), with a forward pass written for autograd:
 * no in-place operation on an activation, full-sequence causal attention, no KV cache.
 *
 * <p>Keeping the checkpoint layout makes export a copy ({@link #tensors}, {@link #write}); a test
 * checks that the written directory, loaded through {@code LlavaCheckpoint} and {@code LlavaModel}
 * (which fuse q/k/v, transpose and fold the attention scale), gives the same logits as {@link
 * #logits} here. The inference classes stay untouched and fast.
 *
 * <p>Memory: every array a forward pass makes is attached to the manager of its first operand.
 * Callers run a step inside {@link #step}, which temporarily attaches the weights to a per-step
 * manager, so activations and gradients of a step are freed with it.
 */
public final class TrainableLlava implements AutoCloseable {

  private final LlavaSpec spec;

  /**
   * The config a checkpoint of the spec is read back with: its rotary and feature-layer numbering.
   */
  private final LlavaConfig config;

  private final NDManager manager;
  private final Map<String, NDArray> weights = new LinkedHashMap<>();
  private final float[] inverseFrequencies;

  /** Weights of a spec from named float values (any missing tensor is randomly initialised). */
  public TrainableLlava(LlavaSpec spec, NDManager parent, Map<String, float[]> values, long seed) {
    this.spec = spec;
    this.manager = parent.newSubManager();
    List<SafetensorsWriter.Tensor> init = RandomLlava.weights(spec, seed, 0.02);
    for (SafetensorsWriter.Tensor t : init) {
      float[] v = values.getOrDefault(t.name(), t.values());
      if (values.get(t.name()) == null && CheckpointKeys.isNorm(t.name())) {
        v = t.name().endsWith(".weight") ? filled(v.length, 1f) : new float[v.length];
      }
      if (values.get(t.name()) == null && t.name().endsWith(".bias")) {
        v = new float[v.length];
      }
      weights.put(t.name(), manager.create(v, new Shape(t.shape())));
    }
    this.config = LlavaCheckpointWriter.config(spec);
    this.inverseFrequencies = config.text().rope().inverseFrequencies(spec.text().headDim());
  }

  private static float[] filled(int n, float value) {
    float[] a = new float[n];
    Arrays.fill(a, value);
    return a;
  }

  public LlavaSpec spec() {
    return spec;
  }

  public NDManager manager() {
    return manager;
  }

  public NDArray weight(String name) {
    NDArray w = weights.get(name);
    if (w == null) {
      throw new IllegalArgumentException("no weight " + name);
    }
    return w;
  }

  /** The weights whose names start with {@code prefix}, in checkpoint order. */
  public Map<String, NDArray> weights(String prefix) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    weights.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k, v);
          }
        });
    return out;
  }

  public Map<String, NDArray> allWeights() {
    return Collections.unmodifiableMap(weights);
  }

  /** Replaces the values of the named weights (e.g. with those of another stage). */
  public void load(Map<String, float[]> values) {
    values.forEach(
        (name, v) -> {
          NDArray w = weights.get(name);
          if (w != null) {
            w.set(v);
          }
        });
  }

  /** The current values of the weights under a prefix, by name. */
  public Map<String, float[]> values(String prefix) {
    Map<String, float[]> out = new LinkedHashMap<>();
    weights(prefix).forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  /** The checkpoint's tensors: exactly {@link LlavaCheckpointWriter#tensorShapes} of the spec. */
  public List<SafetensorsWriter.Tensor> tensors() {
    List<SafetensorsWriter.Tensor> out = new ArrayList<>();
    weights.forEach(
        (k, v) ->
            out.add(new SafetensorsWriter.Tensor(k, v.getShape().getShape(), v.toFloatArray())));
    return out;
  }

  /**
   * Writes the checkpoint directory (config.json, model.safetensors, processor and tokenizer
   * files).
   */
  public void write(Path dir) {
    LlavaCheckpointWriter.write(dir, spec, tensors());
  }

  /**
   * A per-step manager with the weights (and any extra arrays, e.g. optimizer state) temporarily
   * attached: everything a step computes is closed with it, the weights are kept.
   */
  public NDManager step(List<NDArray> extra) {
    NDManager step = manager.newSubManager();
    for (NDArray w : weights.values()) {
      w.tempAttach(step);
    }
    for (NDArray e : extra) {
      e.tempAttach(step);
    }
    return step;
  }

  // ---------------------------------------------------------------------------------------------
  // Vision tower

  /**
   * The tower's last hidden state without the class token: what LLaVA with {@code
   * vision_feature_layer = -1} and the default strategy feeds its projector.
   *
   * @param pixels (n, 3, size, size)
   * @return (n, patches, vision hidden)
   */
  public NDArray visionFeatures(NDArray pixels) {
    List<NDArray> states = visionStates(pixels, featureDepth());
    NDArray x = states.get(states.size() - 1);
    return spec.keepClassToken() ? x : x.get(":, 1:, :");
  }

  /**
   * Hidden states 0..depth of the tower, class token first, as transformers numbers them.
   *
   * @return depth + 1 arrays (n, patches + 1, vision hidden)
   */
  public List<NDArray> visionStates(NDArray pixels, int depth) {
    LlavaSpec.Vision v = spec.vision();
    long n = pixels.getShape().get(0);
    int h = v.hidden();
    int p = v.patchSize();
    int patches = v.numPatches();
    NDArray x =
        Conv2d.conv2d(pixels, weight(CheckpointKeys.PATCH_EMBEDDING), null, new Shape(p, p))
            .singletonOrThrow()
            .reshape(n, h, patches)
            .transpose(0, 2, 1);
    NDArray cls = weight(CheckpointKeys.CLASS_EMBEDDING).reshape(1, 1, h).broadcast(n, 1, h);
    x =
        NDArrays.concat(new NDList(cls, x), 1)
            .add(weight(CheckpointKeys.POSITION_EMBEDDING).reshape(1, patches + 1, h));
    x = layerNorm(x, CheckpointKeys.PRE_LAYER_NORM);
    List<NDArray> states = new ArrayList<>();
    states.add(x);
    for (int i = 0; i < depth; i++) {
      CheckpointKeys.VisionLayer l = CheckpointKeys.VisionLayer.of(i);
      x = x.add(visionAttention(layerNorm(x, l.norm1()), l));
      NDArray f = linear(layerNorm(x, l.norm2()), l.fc1());
      f = f.mul(Activation.sigmoid(f.mul(1.702f)));
      x = x.add(linear(f, l.fc2()));
      states.add(x);
    }
    return states;
  }

  /** Encoder layers the configured feature layer needs: its hidden-state index. */
  public int featureDepth() {
    if (spec.featureLayers().size() != 1) {
      throw new IllegalStateException("training supports one vision feature layer");
    }
    return config.hiddenStateIndex(spec.featureLayers().get(0));
  }

  private NDArray visionAttention(NDArray x, CheckpointKeys.VisionLayer layer) {
    long n = x.getShape().get(0);
    long t = x.getShape().get(1);
    int heads = spec.vision().heads();
    int d = spec.vision().hidden() / heads;
    CheckpointKeys.SelfAttention attention = layer.attention();
    NDArray q = heads(linear(x, attention.q()), n, t, heads, d);
    NDArray k = heads(linear(x, attention.k()), n, t, heads, d);
    NDArray v = heads(linear(x, attention.v()), n, t, heads, d);
    NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(d)).softmax(-1);
    NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(n, t, (long) heads * d);
    return linear(context, layer.out());
  }

  // ---------------------------------------------------------------------------------------------
  // Projector

  /** (n, tokens, vision hidden) → (n, tokens, text hidden) */
  public NDArray project(NDArray features) {
    NDArray y = linear(features, CheckpointKeys.projectorLinear(1));
    if (spec.projector() == LlavaSpec.Projector.MLP) {
      y = linear(Activation.gelu(y), CheckpointKeys.projectorLinear(2));
    }
    return y;
  }

  // ---------------------------------------------------------------------------------------------
  // Language model

  /** Token embeddings: (b, t) int64 → (b, t, hidden). */
  public NDArray embed(NDArray ids) {
    return Embedding.embedding(ids, weight(CheckpointKeys.EMBED_TOKENS), SparseFormat.DENSE)
        .singletonOrThrow();
  }

  /**
   * A prompt's input embeddings with its one run of image tokens, starting at {@code imageStart},
   * replaced by the projected features.
   *
   * @param ids (b, t) int64, image tokens (or anything) at [imageStart, imageStart + tokens)
   * @param imageEmbeds (b, tokens, hidden): the projector's output
   */
  public NDArray inputsEmbeds(NDArray ids, NDArray imageEmbeds, int imageStart) {
    NDArray text = embed(ids);
    long tokens = imageEmbeds.getShape().get(1);
    return NDArrays.concat(
        new NDList(
            text.get(":, :{}, :", imageStart),
            imageEmbeds,
            text.get(":, {}:, :", imageStart + tokens)),
        1);
  }

  /** Causal LLaMA over whole sequences from position 0: (b, t, hidden) → logits (b, t, vocab). */
  public NDArray logits(NDArray inputsEmbeds) {
    LlavaSpec.Text c = spec.text();
    long b = inputsEmbeds.getShape().get(0);
    int t = (int) inputsEmbeds.getShape().get(1);
    int heads = c.heads();
    int kvHeads = c.kvHeads();
    int d = c.headDim();
    NDManager m = inputsEmbeds.getManager();
    // rotary angles (1, 1, t, d) and the causal mask (t, t)
    float[] cos = new float[t * d];
    float[] sin = new float[t * d];
    for (int pos = 0; pos < t; pos++) {
      for (int i = 0; i < d; i++) {
        float angle =
            pos * inverseFrequencies[i % (d / 2)]; // float32, as the inference path computes it
        cos[pos * d + i] = (float) Math.cos(angle);
        sin[pos * d + i] = (float) Math.sin(angle);
      }
    }
    NDArray cosA = m.create(cos, new Shape(1, 1, t, d));
    NDArray sinA = m.create(sin, new Shape(1, 1, t, d));
    float[] mask = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        mask[i * t + j] = -1e9f;
      }
    }
    NDArray maskA = m.create(mask, new Shape(1, 1, t, t));
    NDArray x = inputsEmbeds;
    for (int i = 0; i < c.layers(); i++) {
      CheckpointKeys.TextLayer l = CheckpointKeys.TextLayer.of(i);
      NDArray a = rmsNorm(x, l.inputNorm());
      CheckpointKeys.SelfAttention attention = l.attention();
      NDArray q = rope(heads(linear(a, attention.q()), b, t, heads, d), cosA, sinA);
      NDArray k = rope(heads(linear(a, attention.k()), b, t, kvHeads, d), cosA, sinA);
      NDArray v = heads(linear(a, attention.v()), b, t, kvHeads, d);
      if (kvHeads != heads) {
        int group = heads / kvHeads;
        k = k.expandDims(2).broadcast(b, kvHeads, group, t, d).reshape(b, heads, t, d);
        v = v.expandDims(2).broadcast(b, kvHeads, group, t, d).reshape(b, heads, t, d);
      }
      NDArray probs =
          q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(d)).add(maskA).softmax(-1);
      NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d);
      x = x.add(linear(context, l.o()));
      NDArray f = rmsNorm(x, l.postAttentionNorm());
      NDArray gate = linear(f, l.gate());
      NDArray up = linear(f, l.up());
      x = x.add(linear(gate.mul(Activation.sigmoid(gate)).mul(up), l.down()));
    }
    x = rmsNorm(x, CheckpointKeys.FINAL_NORM);
    NDArray head =
        spec.tieEmbeddings() ? weight(CheckpointKeys.EMBED_TOKENS) : weight(CheckpointKeys.LM_HEAD);
    return x.matMul(head.transpose());
  }

  private static NDArray heads(NDArray x, long b, long t, int heads, int d) {
    return x.reshape(b, t, heads, d).transpose(0, 2, 1, 3);
  }

  private static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    long half = x.getShape().get(3) / 2;
    NDArray rotated =
        NDArrays.concat(new NDList(x.get("..., {}:", half).neg(), x.get("..., :{}", half)), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  // ---------------------------------------------------------------------------------------------
  // Layers, from the checkpoint's (out, in) weights

  private NDArray linear(NDArray x, String prefix) {
    NDArray y = x.matMul(weight(CheckpointKeys.weight(prefix)).transpose());
    NDArray bias = weights.get(CheckpointKeys.bias(prefix));
    return bias == null ? y : y.add(bias);
  }

  private NDArray layerNorm(NDArray x, String prefix) {
    NDArray w = weight(CheckpointKeys.weight(prefix));
    return LayerNorm.layerNorm(
            x, new Shape(w.getShape().get(0)), w, weight(CheckpointKeys.bias(prefix)), 1e-5f)
        .singletonOrThrow();
  }

  private NDArray rmsNorm(NDArray x, String prefix) {
    NDArray variance = x.square().mean(new int[] {-1}, true);
    return x.div(variance.add(1e-5f).sqrt()).mul(weight(CheckpointKeys.weight(prefix)));
  }

  /**
   * Mean cross-entropy of the next-token predictions where {@code weights} is non-zero.
   *
   * @param logits (b, t, vocab)
   * @param targets (b, t): the token each position should predict (any value where not counted)
   * @param counted (b, t): true where the position's prediction is in the loss
   */
  public static NDArray loss(NDArray logits, int[][] targets, boolean[][] counted) {
    int n = 0;
    for (boolean[] row : counted) {
      n += countedIn(row);
    }
    float each = 1f / Math.max(1, n);
    return weightedLoss(logits, targets, counted, r -> each);
  }

  /**
   * Mean over the rows of each row's mean cross-entropy where {@code counted}: every example weighs
   * the same, however many answer tokens it has (a ten-word caption does not drown a one-word
   * answer).
   */
  public static NDArray exampleLoss(NDArray logits, int[][] targets, boolean[][] counted) {
    int rows = 0;
    float[] perRow = new float[targets.length];
    for (int r = 0; r < targets.length; r++) {
      int n = countedIn(counted[r]);
      perRow[r] = n == 0 ? 0 : 1f / n;
      rows += n == 0 ? 0 : 1;
    }
    int examples = Math.max(1, rows);
    return weightedLoss(logits, targets, counted, r -> perRow[r] / examples);
  }

  /**
   * Mean over positions of the cross-entropy against a target spread evenly over each position's
   * bag of words: position i of row r should predict every word of {@code bags[r][i]} alike.
   *
   * @param logits (b, t, vocab)
   * @param bags (b, t, words of the bag)
   */
  public static NDArray bagLoss(NDArray logits, int[][][] bags) {
    int b = bags.length;
    int t = bags[0].length;
    int vocab = (int) logits.getShape().get(2);
    float[] w = new float[b * t * vocab];
    float each = 1f / (b * t);
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < t; i++) {
        for (int id : bags[r][i]) {
          w[(r * t + i) * vocab + id] += each / bags[r][i].length;
        }
      }
    }
    return crossEntropy(logits, w);
  }

  private static int countedIn(boolean[] row) {
    int n = 0;
    for (boolean c : row) {
      n += c ? 1 : 0;
    }
    return n;
  }

  private static NDArray weightedLoss(
      NDArray logits, int[][] targets, boolean[][] counted, IntToDoubleFunction rowWeight) {
    int b = targets.length;
    int t = targets[0].length;
    int vocab = (int) logits.getShape().get(2);
    float[] w = new float[b * t * vocab];
    for (int r = 0; r < b; r++) {
      float weight = (float) rowWeight.applyAsDouble(r);
      for (int i = 0; i < t; i++) {
        if (counted[r][i]) {
          w[(r * t + i) * vocab + targets[r][i]] = weight;
        }
      }
    }
    return crossEntropy(logits, w);
  }

  /**
   * −Σ weights · log softmax(logits): the weights, (b, t, vocab) row-major, say what each position
   * should predict and how much it counts.
   */
  private static NDArray crossEntropy(NDArray logits, float[] weights) {
    return logits
        .logSoftmax(-1)
        .mul(logits.getManager().create(weights, logits.getShape()))
        .sum()
        .neg();
  }

  @Override
  public void close() {
    manager.close();
  }
}
