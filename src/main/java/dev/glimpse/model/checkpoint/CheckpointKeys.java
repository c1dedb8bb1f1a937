package dev.glimpse.model.checkpoint;

import java.util.List;

/**
 * The tensor names of a LLaVA checkpoint, spelled here and nowhere else: the llava-hf names ({@code
 * vision_tower.vision_model.*}, {@code multi_modal_projector.*}, {@code language_model.model.*},
 * {@code language_model.lm_head.weight}) that the writer and the trainer use, the layout of
 * transformers 4.52 and later, and the canonical names the reader maps every layout to. The names
 * are transformers' own, typos included ({@code pre_layrnorm}), so that its checkpoints load as
 * they are.
 *
 * <p>A layer's name here is a prefix: its tensors are {@link #weight} and {@link #bias} of it.
 */
public final class CheckpointKeys {

  /** The CLIP vision tower. */
  public static final String VISION = "vision_tower.vision_model.";

  /** The projector from vision features into the token-embedding space. */
  public static final String PROJECTOR = "multi_modal_projector.";

  /** The LLaMA decoder. */
  public static final String TEXT = "language_model.model.";

  /** The language model's output head (absent when it is tied to the token embeddings). */
  public static final String LM_HEAD = "language_model.lm_head.weight";

  public static final String CLASS_EMBEDDING = VISION + "embeddings.class_embedding";
  public static final String PATCH_EMBEDDING = VISION + "embeddings.patch_embedding.weight";
  public static final String POSITION_EMBEDDING = VISION + "embeddings.position_embedding.weight";

  /** transformers' spelling, typo included. */
  public static final String PRE_LAYER_NORM = VISION + "pre_layrnorm";

  public static final String POST_LAYER_NORM = VISION + "post_layernorm";

  public static final String EMBED_TOKENS = TEXT + "embed_tokens.weight";
  public static final String FINAL_NORM = TEXT + "norm";

  /** The layout of transformers 4.52 and later puts the modules under {@code model.}. */
  private static final String MODEL = "model.";

  private static final String PREFIXED_LM_HEAD = "lm_head.weight";

  private CheckpointKeys() {}

  public static String weight(String layer) {
    return layer + ".weight";
  }

  public static String bias(String layer) {
    return layer + ".bias";
  }

  /** The projector's linear layer {@code n}: 1, and 2 in LLaVA-1.5's MLP. */
  public static String projectorLinear(int n) {
    return PROJECTOR + "linear_" + n;
  }

  /** Whether a tensor belongs to a norm (LayerNorm or RMSNorm), whatever the spelling. */
  public static boolean isNorm(String name) {
    return name.contains("norm");
  }

  /**
   * Whether a tensor is one of the tower's embeddings (class, patch or position), which take no
   * weight decay.
   */
  public static boolean isEmbedding(String name) {
    return name.contains("embedding");
  }

  /** The q, k and v projections of a layer's self-attention (CLIP and LLaMA spell them alike). */
  public record SelfAttention(String prefix) {
    public String q() {
      return prefix + "q_proj";
    }

    public String k() {
      return prefix + "k_proj";
    }

    public String v() {
      return prefix + "v_proj";
    }
  }

  /** The layers of CLIP encoder layer {@code index}. */
  public record VisionLayer(String prefix) {
    public static VisionLayer of(int index) {
      return new VisionLayer(VISION + "encoder.layers." + index + ".");
    }

    public SelfAttention attention() {
      return new SelfAttention(prefix + "self_attn.");
    }

    /** The attention's output projection (LLaMA's is {@code o_proj}). */
    public String out() {
      return prefix + "self_attn.out_proj";
    }

    /** The attention projections in the order transformers' state dict lists them. */
    public List<String> attentionInStateDictOrder() {
      SelfAttention a = attention();
      return List.of(a.k(), a.v(), a.q(), out());
    }

    public String norm1() {
      return prefix + "layer_norm1";
    }

    public String norm2() {
      return prefix + "layer_norm2";
    }

    public String fc1() {
      return prefix + "mlp.fc1";
    }

    public String fc2() {
      return prefix + "mlp.fc2";
    }
  }

  /** The layers of LLaMA decoder layer {@code index}. */
  public record TextLayer(String prefix) {
    public static TextLayer of(int index) {
      return new TextLayer(TEXT + "layers." + index + ".");
    }

    public SelfAttention attention() {
      return new SelfAttention(prefix + "self_attn.");
    }

    /** The attention's output projection (CLIP's is {@code out_proj}). */
    public String o() {
      return prefix + "self_attn.o_proj";
    }

    public String gate() {
      return prefix + "mlp.gate_proj";
    }

    public String up() {
      return prefix + "mlp.up_proj";
    }

    public String down() {
      return prefix + "mlp.down_proj";
    }

    public String inputNorm() {
      return prefix + "input_layernorm";
    }

    public String postAttentionNorm() {
      return prefix + "post_attention_layernorm";
    }
  }

  /** The name of a llava-hf tensor in the layout of transformers 4.52 and later. */
  public static String modelPrefixed(String name) {
    if (name.equals(LM_HEAD)) {
      return PREFIXED_LM_HEAD;
    }
    if (name.startsWith(TEXT)) {
      return MODEL + "language_model." + name.substring(TEXT.length());
    }
    return MODEL + name;
  }

  /**
   * Maps a key of any transformers LLaVA layout to its canonical name: {@code vision.*} (CLIP
   * tower, {@code vision_model.} dropped), {@code projector.*}, {@code text.*} (LLaMA, {@code
   * model.} dropped) and {@code text.lm_head.weight}; anything else is {@code other.*}.
   */
  public static String canonical(String key) {
    String k = key;
    if (k.startsWith(MODEL) && !k.startsWith(MODEL + "layers.")) {
      k = k.substring(MODEL.length()); // transformers >= 4.52: model.vision_tower...,
      // model.language_model...
    }
    if (k.equals(PREFIXED_LM_HEAD) || k.equals(LM_HEAD)) {
      return "text.lm_head.weight";
    }
    if (k.startsWith("vision_tower.")) {
      k = k.substring("vision_tower.".length());
      if (k.startsWith("vision_model.")) {
        k = k.substring("vision_model.".length());
      }
      return "vision." + k;
    }
    if (k.startsWith(PROJECTOR)) {
      return "projector." + k.substring(PROJECTOR.length());
    }
    if (k.startsWith("language_model.")) {
      k = k.substring("language_model.".length());
      if (k.startsWith(MODEL)) {
        k = k.substring(MODEL.length());
      }
      return "text." + k;
    }
    return "other." + key;
  }
}
