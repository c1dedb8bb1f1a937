package dev.glimpse.model.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.glimpse.model.Layers;
import dev.glimpse.model.LoadProgress;
import dev.glimpse.model.WeightLoader;
import dev.glimpse.model.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP ViT image encoder: patch embedding, class token, learned positions, pre-layernorm and a
 * stack of pre-norm transformer layers with a quick_gelu MLP. LLaVA reads a hidden state from
 * inside the stack, so the tower runs only as deep as it is asked to.
 *
 * <p>Shapes in the comments use these dimensions: N images, C channels, S image side, P patch side,
 * G = S / P patches per side, L = G² patches, T = L + 1 tokens (the class token first), D hidden
 * size, H heads, K = D / H head size, F MLP (intermediate) size. A linear layer's weight is kept
 * transposed, (in, out), so {@code (N, T, D) x (D, F)} is one matMul.
 */
public final class ClipVisionTower {

  private final VisionConfig config;
  private final NDArray
      patchEmbedding; // (D, C, P, P): one stride-P convolution kernel per hidden unit
  private final NDArray classEmbedding; // (1, 1, D)
  private final NDArray positionEmbedding; // (1, T, D)
  private final Layers.LayerNorm preLayerNorm; // weight (D), bias (D)
  private final List<EncoderLayer> layers;

  /** One pre-norm transformer layer. */
  private record EncoderLayer(
      Layers.LayerNorm layerNorm1, // weight (D), bias (D)
      Layers.Linear qkv, // weight (D, 3D): q, k, v fused along the output axis; bias (3D)
      Layers.Linear outProj, // weight (D, D), bias (D)
      Layers.LayerNorm layerNorm2, // weight (D), bias (D)
      Layers.Linear fc1, // weight (D, F), bias (F)
      Layers.Linear fc2) {} // weight (F, D), bias (D)

  private ClipVisionTower(
      VisionConfig config,
      NDArray patchEmbedding,
      NDArray classEmbedding,
      NDArray positionEmbedding,
      Layers.LayerNorm preLayerNorm,
      List<EncoderLayer> layers) {
    this.config = config;
    this.patchEmbedding = patchEmbedding;
    this.classEmbedding = classEmbedding;
    this.positionEmbedding = positionEmbedding;
    this.preLayerNorm = preLayerNorm;
    this.layers = layers;
  }

  /** Loads the first {@code depth} encoder layers (later ones are never read by LLaVA). */
  public static ClipVisionTower load(
      WeightLoader w, VisionConfig c, int depth, LoadProgress progress) {
    long h = c.hiddenSize();
    NDArray patch =
        w.tensor(
            "vision.embeddings.patch_embedding.weight",
            h,
            c.numChannels(),
            c.patchSize(),
            c.patchSize());
    NDArray cls = w.tensor("vision.embeddings.class_embedding", h);
    NDArray pos = w.tensor("vision.embeddings.position_embedding.weight", c.numPatches() + 1, h);
    NDArray clsReshaped = cls.reshape(1, 1, h); // (D) -> (1, 1, D)
    NDArray posReshaped = pos.reshape(1, c.numPatches() + 1, h); // (T, D) -> (1, T, D)
    List<EncoderLayer> layers = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      String p = "vision.encoder.layers." + i;
      layers.add(
          new EncoderLayer(
              w.layerNorm(p + ".layer_norm1", h, c.layerNormEps()),
              w.fusedLinear(
                  new String[] {
                    p + ".self_attn.q_proj", p + ".self_attn.k_proj", p + ".self_attn.v_proj"
                  },
                  h,
                  new long[] {h, h, h},
                  true),
              w.linear(p + ".self_attn.out_proj", h, h, true),
              w.layerNorm(p + ".layer_norm2", h, c.layerNormEps()),
              w.linear(p + ".mlp.fc1", h, c.intermediateSize(), true),
              w.linear(p + ".mlp.fc2", c.intermediateSize(), h, true)));
      progress.loaded("vision tower", i + 1, depth);
    }
    return new ClipVisionTower(
        c,
        patch,
        clsReshaped,
        posReshaped,
        w.layerNorm("vision.pre_layrnorm", h, c.layerNormEps()),
        List.copyOf(layers));
  }

  public VisionConfig config() {
    return config;
  }

  /** Encoder layers loaded: hidden states 0..depth can be read. */
  public int depth() {
    return layers.size();
  }

  /**
   * Runs the tower and returns hidden states 0..upTo (0 is the pre-layernormed embeddings, i the
   * output of encoder layer i), as transformers' {@code output_hidden_states} numbers them.
   *
   * @param pixelValues (N, C, S, S)
   * @return upTo + 1 arrays, each (N, T, D)
   */
  public List<NDArray> hiddenStates(NDArray pixelValues, int upTo) {
    long n = pixelValues.getShape().get(0);
    long h = config.hiddenSize();
    // 1. patch embedding, a stride-P convolution:
    //    (N, C, S, S) conv (D, C, P, P) -> (N, D, G, G) -> (N, D, L) -> (N, L, D)
    NDArray patches =
        Conv2d.conv2d(
                pixelValues,
                patchEmbedding,
                null,
                new Shape(config.patchSize(), config.patchSize()))
            .singletonOrThrow()
            .reshape(n, h, config.numPatches())
            .transpose(0, 2, 1);
    // 2. class token first, then learned positions: (N, 1, D) ++ (N, L, D) -> (N, T, D), + (1, T,
    // D)
    NDArray cls = classEmbedding.broadcast(n, 1, h); // (N, 1, D)
    cls.attach(patches.getManager());
    NDArray embeddings = NDArrays.concat(new NDList(cls, patches), 1).addi(positionEmbedding);
    // 3. pre-layernorm; this is hidden state 0: (N, T, D)
    NDArray hidden = preLayerNorm.forward(embeddings);
    List<NDArray> states = new ArrayList<>();
    states.add(hidden);
    // 4. encoder layers, pre-norm residual blocks, each (N, T, D) -> (N, T, D)
    for (int i = 0; i < upTo; i++) {
      EncoderLayer layer = layers.get(i);
      hidden = hidden.add(attention(layer, layer.layerNorm1().forward(hidden)));
      hidden = hidden.add(mlp(layer, layer.layerNorm2().forward(hidden)));
      states.add(hidden);
    }
    return states;
  }

  /** The MLP: (N, T, D) x (D, F) -> (N, T, F), activation, x (F, D) -> (N, T, D). */
  private NDArray mlp(EncoderLayer layer, NDArray x) {
    NDArray inner = layer.fc1().forward(x); // (N, T, F)
    return layer.fc2().forward(Layers.quickGeluOrGelu(config.hiddenAct(), inner)); // (N, T, D)
  }

  /** Bidirectional multi-head self-attention: (N, T, D) -> (N, T, D). */
  private NDArray attention(EncoderLayer layer, NDArray x) {
    Shape s = x.getShape();
    long n = s.get(0);
    long t = s.get(1);
    int heads = config.numAttentionHeads();
    int d = config.headDim();
    // 1. fused projection, split into heads:
    //    (N, T, D) x (D, 3D) -> (N, T, 3D) -> (N, T, 3, H, K) -> (3, N, H, T, K)
    NDArray qkv = layer.qkv().forward(x).reshape(n, t, 3, heads, d).transpose(2, 0, 3, 1, 4);
    NDArray q = qkv.get(0); // (N, H, T, K)
    NDArray k = qkv.get(1); // (N, H, T, K)
    NDArray v = qkv.get(2); // (N, H, T, K)
    // 2. scaled scores, every token to every token: (N, H, T, K) x (N, H, K, T) -> (N, H, T, T)
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).muli(1.0 / Math.sqrt(d));
    // 3. weighted values: (N, H, T, T) x (N, H, T, K) -> (N, H, T, K)
    NDArray context = scores.softmax(-1).matMul(v);
    // 4. heads joined, output projection: (N, H, T, K) -> (N, T, H, K) -> (N, T, D) x (D, D) -> (N,
    // T, D)
    return layer.outProj().forward(context.transpose(0, 2, 1, 3).reshape(n, t, heads * d));
  }
}
