package dev.glimpse.model.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.glimpse.model.Layers;
import dev.glimpse.model.WeightLoader;
import dev.glimpse.model.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP ViT image encoder: patch embedding, class token, learned positions, pre-layernorm and
 * a stack of pre-norm transformer layers with a quick_gelu MLP. LLaVA reads a hidden state from
 * inside the stack, so the tower runs only as deep as it is asked to.
 */
public final class ClipVisionTower {

  private final VisionConfig config;
  private final NDArray patchEmbedding; // (hidden, channels, patch, patch)
  private final NDArray classEmbedding; // (1, 1, hidden)
  private final NDArray positionEmbedding; // (1, patches + 1, hidden)
  private final Layers.LayerNorm preLayerNorm;
  private final List<EncoderLayer> layers;

  /** One pre-norm transformer layer. */
  private record EncoderLayer(
      Layers.LayerNorm layerNorm1,
      Layers.Linear qkv, // (hidden, 3 * hidden)
      Layers.Linear outProj,
      Layers.LayerNorm layerNorm2,
      Layers.Linear fc1,
      Layers.Linear fc2) {}

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
  public static ClipVisionTower load(WeightLoader w, VisionConfig c, int depth, dev.glimpse.model.LoadProgress progress) {
    long h = c.hiddenSize();
    NDArray patch = w.tensor("vision.embeddings.patch_embedding.weight",
        h, c.numChannels(), c.patchSize(), c.patchSize());
    NDArray cls = w.tensor("vision.embeddings.class_embedding", h);
    NDArray pos = w.tensor("vision.embeddings.position_embedding.weight", c.numPatches() + 1, h);
    NDArray clsReshaped = cls.reshape(1, 1, h);
    NDArray posReshaped = pos.reshape(1, c.numPatches() + 1, h);
    List<EncoderLayer> layers = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      String p = "vision.encoder.layers." + i;
      layers.add(new EncoderLayer(
          w.layerNorm(p + ".layer_norm1", h, c.layerNormEps()),
          w.fusedLinear(new String[] {p + ".self_attn.q_proj", p + ".self_attn.k_proj", p + ".self_attn.v_proj"},
              h, new long[] {h, h, h}, true),
          w.linear(p + ".self_attn.out_proj", h, h, true),
          w.layerNorm(p + ".layer_norm2", h, c.layerNormEps()),
          w.linear(p + ".mlp.fc1", h, c.intermediateSize(), true),
          w.linear(p + ".mlp.fc2", c.intermediateSize(), h, true)));
      progress.loaded("vision tower", i + 1, depth);
    }
    return new ClipVisionTower(c, patch, clsReshaped, posReshaped,
        w.layerNorm("vision.pre_layrnorm", h, c.layerNormEps()), List.copyOf(layers));
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
   * @param pixelValues (images, channels, size, size)
   * @return upTo + 1 arrays, each (images, patches + 1, hidden)
   */
  public List<NDArray> hiddenStates(NDArray pixelValues, int upTo) {
    long n = pixelValues.getShape().get(0);
    long h = config.hiddenSize();
    // 1. patch embedding: a stride-patch convolution, (n, hidden, side, side) → (n, patches, hidden)
    NDArray patches = Conv2d.conv2d(pixelValues, patchEmbedding, null,
            new Shape(config.patchSize(), config.patchSize()))
        .singletonOrThrow()
        .reshape(n, h, config.numPatches())
        .transpose(0, 2, 1);
    // 2. class token first, then learned positions
    NDArray cls = classEmbedding.broadcast(n, 1, h);
    cls.attach(patches.getManager());
    NDArray embeddings = NDArrays.concat(new NDList(cls, patches), 1).addi(positionEmbedding);
    // 3. pre-layernorm; this is hidden state 0
    NDArray hidden = preLayerNorm.forward(embeddings);
    List<NDArray> states = new ArrayList<>();
    states.add(hidden);
    // 4. encoder layers, pre-norm residual blocks
    for (int i = 0; i < upTo; i++) {
      EncoderLayer layer = layers.get(i);
      hidden = hidden.add(attention(layer, layer.layerNorm1().forward(hidden)));
      hidden = hidden.add(layer.fc2().forward(Layers.quickGeluOrGelu(config.hiddenAct(),
          layer.fc1().forward(layer.layerNorm2().forward(hidden)))));
      states.add(hidden);
    }
    return states;
  }

  /** Bidirectional multi-head self-attention. (n, tokens, hidden) → same. */
  private NDArray attention(EncoderLayer layer, NDArray x) {
    Shape s = x.getShape();
    long n = s.get(0);
    long t = s.get(1);
    int heads = config.numAttentionHeads();
    int d = config.headDim();
    // (n, t, 3, heads, d) → (3, n, heads, t, d)
    NDArray qkv = layer.qkv().forward(x).reshape(n, t, 3, heads, d).transpose(2, 0, 3, 1, 4);
    NDArray q = qkv.get(0);
    NDArray k = qkv.get(1);
    NDArray v = qkv.get(2);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).muli(1.0 / Math.sqrt(d)); // (n, heads, t, t)
    NDArray context = scores.softmax(-1).matMul(v); // (n, heads, t, d)
    return layer.outProj().forward(context.transpose(0, 2, 1, 3).reshape(n, t, heads * d));
  }
}
