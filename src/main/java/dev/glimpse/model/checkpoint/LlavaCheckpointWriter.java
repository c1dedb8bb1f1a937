package dev.glimpse.model.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.config.LlavaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes a complete LLaVA checkpoint directory in the llava-hf layout, so that Glimpse and
 * transformers' {@code LlavaForConditionalGeneration.from_pretrained} load it alike: {@code
 * config.json}, the weights ({@code model.safetensors}, or shards and their index), {@code
 * preprocessor_config.json} (CLIPImageProcessor at the tower's image size), {@code
 * generation_config.json}, {@code tokenizer_config.json} and {@code tokenizer.json}.
 *
 * <p>The tokenizer is a minimal WordLevel one written from the spec alone, so that the writer needs
 * no files from elsewhere and any vocabulary size works: ids 0-3 are {@code <unk> <s> </s> <pad>},
 * the image token is {@code <image>}, every other id is the word {@code t<id>}; text is split on
 * whitespace and {@code <s>} is prepended, as LLaMA's tokenizer does. Checkpoints that need a real
 * tokenizer can copy one in over it.
 */
public final class LlavaCheckpointWriter {

  /** Token ids the writer fixes; LLaMA's own. */
  public static final int UNK = 0;

  public static final int BOS = 1;
  public static final int EOS = 2;
  public static final int PAD = 3;

  private static final double NORM_EPS = 1e-5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private LlavaCheckpointWriter() {}

  /** How tensor names are spelled in the safetensors files. */
  public enum KeyLayout {
    /**
     * transformers before 4.52 and llava-hf's published files: {@code vision_tower.vision_model.*},
     * {@code multi_modal_projector.*}, {@code language_model.model.*}, {@code
     * language_model.lm_head.weight}.
     */
    LEGACY,
    /**
     * transformers 4.52 and later: {@code model.vision_tower.vision_model.*}, {@code
     * model.multi_modal_projector.*}, {@code model.language_model.*}, {@code lm_head.weight}.
     */
    MODEL_PREFIXED;

    /** The name of a legacy-layout tensor in this layout. */
    public String name(String legacy) {
      return this == LEGACY ? legacy : CheckpointKeys.modelPrefixed(legacy);
    }
  }

  /**
   * Every tensor a checkpoint of this spec holds, legacy names, with its shape, in the order
   * transformers' state dict lists them (vision tower, projector, language model).
   */
  public static Map<String, long[]> tensorShapes(LlavaSpec spec) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    LlavaSpec.Vision v = spec.vision();
    long vh = v.hidden();
    shapes.put(CheckpointKeys.CLASS_EMBEDDING, new long[] {vh});
    shapes.put(CheckpointKeys.PATCH_EMBEDDING, new long[] {vh, 3, v.patchSize(), v.patchSize()});
    shapes.put(CheckpointKeys.POSITION_EMBEDDING, new long[] {v.numPatches() + 1, vh});
    putNorm(shapes, CheckpointKeys.PRE_LAYER_NORM, vh);
    for (int i = 0; i < v.layers(); i++) {
      CheckpointKeys.VisionLayer layer = CheckpointKeys.VisionLayer.of(i);
      for (String proj : layer.attentionInStateDictOrder()) {
        putLinear(shapes, proj, vh, vh);
      }
      putNorm(shapes, layer.norm1(), vh);
      putLinear(shapes, layer.fc1(), v.intermediate(), vh);
      putLinear(shapes, layer.fc2(), vh, v.intermediate());
      putNorm(shapes, layer.norm2(), vh);
    }
    putNorm(shapes, CheckpointKeys.POST_LAYER_NORM, vh);

    LlavaSpec.Text t = spec.text();
    long th = t.hidden();
    putLinear(shapes, CheckpointKeys.projectorLinear(1), th, vh * spec.featureLayers().size());
    if (spec.projector() == LlavaSpec.Projector.MLP) {
      putLinear(shapes, CheckpointKeys.projectorLinear(2), th, th);
    }

    long q = (long) t.heads() * t.headDim();
    long kv = (long) t.kvHeads() * t.headDim();
    shapes.put(CheckpointKeys.EMBED_TOKENS, new long[] {t.vocab(), th});
    for (int i = 0; i < t.layers(); i++) {
      CheckpointKeys.TextLayer layer = CheckpointKeys.TextLayer.of(i);
      CheckpointKeys.SelfAttention attention = layer.attention();
      shapes.put(CheckpointKeys.weight(attention.q()), new long[] {q, th});
      shapes.put(CheckpointKeys.weight(attention.k()), new long[] {kv, th});
      shapes.put(CheckpointKeys.weight(attention.v()), new long[] {kv, th});
      shapes.put(CheckpointKeys.weight(layer.o()), new long[] {th, q});
      shapes.put(CheckpointKeys.weight(layer.gate()), new long[] {t.intermediate(), th});
      shapes.put(CheckpointKeys.weight(layer.up()), new long[] {t.intermediate(), th});
      shapes.put(CheckpointKeys.weight(layer.down()), new long[] {th, t.intermediate()});
      shapes.put(CheckpointKeys.weight(layer.inputNorm()), new long[] {th});
      shapes.put(CheckpointKeys.weight(layer.postAttentionNorm()), new long[] {th});
    }
    shapes.put(CheckpointKeys.weight(CheckpointKeys.FINAL_NORM), new long[] {th});
    if (!spec.tieEmbeddings()) {
      shapes.put(CheckpointKeys.LM_HEAD, new long[] {t.vocab(), th});
    }
    return shapes;
  }

  /** A layer with a bias: weight (out, in), then bias (out), as transformers lists them. */
  private static void putLinear(Map<String, long[]> shapes, String layer, long out, long in) {
    shapes.put(CheckpointKeys.weight(layer), new long[] {out, in});
    shapes.put(CheckpointKeys.bias(layer), new long[] {out});
  }

  /** A LayerNorm: weight, then bias, both (hidden). */
  private static void putNorm(Map<String, long[]> shapes, String layer, long hidden) {
    shapes.put(CheckpointKeys.weight(layer), new long[] {hidden});
    shapes.put(CheckpointKeys.bias(layer), new long[] {hidden});
  }

  /** The {@code config.json} of a spec, in the layout transformers 5 writes for llava-hf models. */
  public static ObjectNode configJson(LlavaSpec spec) {
    LlavaSpec.Vision v = spec.vision();
    LlavaSpec.Text t = spec.text();
    ObjectNode root = JSON.createObjectNode();
    root.putArray("architectures").add("LlavaForConditionalGeneration");
    root.put("dtype", torchDtype(spec.dtype()));
    root.put("image_seq_length", spec.imageSeqLength());
    root.put("image_token_index", spec.imageTokenId());
    root.put("model_type", "llava");
    root.put("multimodal_projector_bias", true);
    root.put("projector_hidden_act", "gelu");

    ObjectNode text = root.putObject("text_config");
    text.put("attention_bias", false);
    text.put("attention_dropout", 0.0);
    text.put("bos_token_id", BOS);
    text.put("eos_token_id", EOS);
    text.put("head_dim", t.headDim());
    text.put("hidden_act", "silu");
    text.put("hidden_size", t.hidden());
    text.put("intermediate_size", t.intermediate());
    text.put("max_position_embeddings", t.maxPositions());
    text.put("mlp_bias", false);
    text.put("model_type", "llama");
    text.put("num_attention_heads", t.heads());
    text.put("num_hidden_layers", t.layers());
    text.put("num_key_value_heads", t.kvHeads());
    text.put("pad_token_id", PAD);
    text.put("rms_norm_eps", NORM_EPS);
    ObjectNode rope = text.putObject("rope_parameters");
    rope.put("rope_theta", t.ropeTheta());
    rope.put("rope_type", "default");
    text.put("tie_word_embeddings", spec.tieEmbeddings());
    text.put("vocab_size", t.vocab());
    root.put("tie_word_embeddings", spec.tieEmbeddings());

    ObjectNode vision = root.putObject("vision_config");
    vision.put("attention_dropout", 0.0);
    vision.put("hidden_act", "quick_gelu");
    vision.put("hidden_size", v.hidden());
    vision.put("image_size", v.imageSize());
    vision.put("intermediate_size", v.intermediate());
    vision.put("layer_norm_eps", NORM_EPS);
    vision.put("model_type", "clip_vision_model");
    vision.put("num_attention_heads", v.heads());
    vision.put("num_channels", 3);
    vision.put("num_hidden_layers", v.layers());
    vision.put("patch_size", v.patchSize());
    if (spec.featureLayers().size() == 1) {
      root.put("vision_feature_layer", spec.featureLayers().get(0));
    } else {
      ArrayNode layers = root.putArray("vision_feature_layer");
      spec.featureLayers().forEach(layers::add);
    }
    root.put("vision_feature_select_strategy", spec.keepClassToken() ? "full" : "default");
    return root;
  }

  /** The config Glimpse reads from a checkpoint of this spec. */
  public static LlavaConfig config(LlavaSpec spec) {
    return LlavaConfig.parse(configJson(spec));
  }

  /** Writes a checkpoint with legacy tensor names. */
  public static void write(Path dir, LlavaSpec spec, Collection<SafetensorsWriter.Tensor> weights) {
    write(dir, spec, weights, KeyLayout.LEGACY);
  }

  /**
   * Writes a checkpoint directory (created if absent; files of the same names replaced).
   *
   * @param weights exactly the tensors of {@link #tensorShapes}, legacy names, float32 values;
   *     stored as {@code spec.dtype()} in {@code spec.shards()} files
   * @throws IllegalArgumentException when a tensor is missing, extra or of the wrong shape, so a
   *     checkpoint that does not match its config is never written
   */
  public static void write(
      Path dir, LlavaSpec spec, Collection<SafetensorsWriter.Tensor> weights, KeyLayout layout) {
    Map<String, long[]> expected = tensorShapes(spec);
    Map<String, SafetensorsWriter.Tensor> given = new LinkedHashMap<>();
    for (SafetensorsWriter.Tensor w : weights) {
      given.put(w.name(), w);
    }
    TreeSet<String> missing = new TreeSet<>(expected.keySet());
    missing.removeAll(given.keySet());
    TreeSet<String> extra = new TreeSet<>(given.keySet());
    extra.removeAll(expected.keySet());
    if (!missing.isEmpty() || !extra.isEmpty()) {
      throw new IllegalArgumentException(
          "the weights do not match the spec: missing " + missing + ", extra " + extra);
    }
    List<SafetensorsWriter.Tensor> renamed = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      SafetensorsWriter.Tensor w = given.get(e.getKey());
      if (!Arrays.equals(w.shape(), e.getValue())) {
        throw new IllegalArgumentException(
            w.name()
                + " has shape "
                + Arrays.toString(w.shape())
                + " but the spec needs "
                + Arrays.toString(e.getValue()));
      }
      renamed.add(new SafetensorsWriter.Tensor(layout.name(w.name()), w.shape(), w.values()));
    }
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(dir.resolve("model.safetensors"));
      Files.deleteIfExists(dir.resolve(SafetensorsWriter.INDEX_FILE));
      if (spec.shards() == 1) {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), renamed, spec.dtype());
      } else {
        SafetensorsWriter.writeSharded(dir, renamed, spec.dtype(), spec.shards());
      }
      writeJson(dir.resolve("config.json"), configJson(spec));
      writeJson(
          dir.resolve("preprocessor_config.json"), preprocessorConfig(spec.vision().imageSize()));
      writeJson(dir.resolve("generation_config.json"), generationConfig());
      writeJson(dir.resolve("tokenizer_config.json"), tokenizerConfig());
      writeJson(
          dir.resolve("tokenizer.json"),
          wordLevelTokenizer(spec.text().vocab(), spec.imageTokenId()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint in " + dir, e);
    }
  }

  /**
   * CLIPImageProcessor as llava-hf configures it, resized and center-cropped to the tower's size.
   */
  static ObjectNode preprocessorConfig(int imageSize) {
    ObjectNode p = JSON.createObjectNode();
    p.putObject("crop_size").put("height", imageSize).put("width", imageSize);
    p.put("do_center_crop", true);
    p.put("do_convert_rgb", true);
    p.put("do_normalize", true);
    p.put("do_rescale", true);
    p.put("do_resize", true);
    p.putArray("image_mean").add(0.48145466).add(0.4578275).add(0.40821073);
    p.put("image_processor_type", "CLIPImageProcessor");
    p.putArray("image_std").add(0.26862954).add(0.26130258).add(0.27577711);
    p.put("resample", 3);
    p.put("rescale_factor", 1.0 / 255.0);
    p.putObject("size").put("shortest_edge", imageSize);
    return p;
  }

  private static ObjectNode generationConfig() {
    ObjectNode g = JSON.createObjectNode();
    g.put("bos_token_id", BOS);
    g.put("eos_token_id", EOS);
    g.put("pad_token_id", PAD);
    return g;
  }

  private static ObjectNode tokenizerConfig() {
    ObjectNode c = JSON.createObjectNode();
    c.put("bos_token", "<s>");
    c.put("eos_token", "</s>");
    c.put("pad_token", "<pad>");
    c.put("unk_token", "<unk>");
    c.put("processor_class", "LlavaProcessor");
    c.put("tokenizer_class", "PreTrainedTokenizerFast");
    return c;
  }

  /** A WordLevel tokenizer.json covering ids [0, vocab); see the class comment. */
  static ObjectNode wordLevelTokenizer(int vocab, int imageTokenId) {
    ObjectNode tok = JSON.createObjectNode();
    tok.put("version", "1.0");
    tok.putNull("truncation");
    tok.putNull("padding");
    ArrayNode added = tok.putArray("added_tokens");
    String[] special = {"<unk>", "<s>", "</s>", "<pad>"};
    for (int id = 0; id < special.length; id++) {
      addedToken(added, id, special[id]);
    }
    addedToken(added, imageTokenId, "<image>");
    tok.putNull("normalizer");
    tok.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
    ObjectNode post = tok.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 0);
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
    bos.put("id", "<s>");
    bos.putArray("ids").add(BOS);
    bos.putArray("tokens").add("<s>");
    tok.putNull("decoder");
    ObjectNode model = tok.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode words = model.putObject("vocab");
    for (int id = 0; id < vocab; id++) {
      String word = id < special.length ? special[id] : id == imageTokenId ? "<image>" : "t" + id;
      words.put(word, id);
    }
    model.put("unk_token", "<unk>");
    return tok;
  }

  private static void addedToken(ArrayNode added, int id, String content) {
    ObjectNode t = added.addObject();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", false);
    t.put("lstrip", false);
    t.put("rstrip", false);
    t.put("normalized", false);
    t.put("special", true);
  }

  private static String torchDtype(TensorDType dtype) {
    return switch (dtype) {
      case F32 -> "float32";
      case F16 -> "float16";
      case BF16 -> "bfloat16";
      default -> throw new IllegalArgumentException(dtype.name());
    };
  }

  private static void writeJson(Path file, ObjectNode node) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
  }
}
