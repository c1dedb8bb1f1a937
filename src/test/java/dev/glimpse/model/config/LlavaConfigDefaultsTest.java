package dev.glimpse.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Published configs list only what differs from transformers' defaults; every field they leave out
 * must take LlamaConfig's, CLIPVisionConfig's or LlavaConfig's default, or a real checkpoint would
 * be built with the wrong shape.
 */
class LlavaConfigDefaultsTest {

  /**
   * llava-hf/llava-1.5-7b-hf's config.json as published on the Hugging Face Hub (later revisions
   * added image_seq_length): the text config names only context length, norm epsilon and vocab.
   */
  private static final String LLAVA_15_7B =
      """
      {
        "architectures": ["LlavaForConditionalGeneration"],
        "ignore_index": -100,
        "image_seq_length": 576,
        "image_token_index": 32000,
        "model_type": "llava",
        "pad_token_id": 32001,
        "projector_hidden_act": "gelu",
        "text_config": {
          "_name_or_path": "lmsys/vicuna-7b-v1.5",
          "architectures": ["LlamaForCausalLM"],
          "max_position_embeddings": 4096,
          "model_type": "llama",
          "rms_norm_eps": 1e-05,
          "torch_dtype": "float16",
          "vocab_size": 32064
        },
        "tie_word_embeddings": false,
        "torch_dtype": "float16",
        "transformers_version": "4.36.0.dev0",
        "vision_config": {
          "hidden_size": 1024,
          "image_size": 336,
          "intermediate_size": 4096,
          "model_type": "clip_vision_model",
          "num_attention_heads": 16,
          "num_hidden_layers": 24,
          "patch_size": 14,
          "projection_dim": 768,
          "vocab_size": 32000
        },
        "vision_feature_layer": -2,
        "vision_feature_select_strategy": "default",
        "vocab_size": 32064
      }
      """;

  private static LlavaConfig parse(String json) throws IOException {
    return LlavaConfig.parse(new ObjectMapper().readTree(json));
  }

  @Test
  void llava15SevenBTakesLlamaDefaultsForTheTextFieldsItOmits() throws IOException {
    TextConfig text = parse(LLAVA_15_7B).text();
    // given
    assertEquals(32064, text.vocabSize());
    assertEquals(4096, text.maxPositionEmbeddings());
    assertEquals(1e-5, text.rmsNormEps());
    // LlamaConfig defaults (LLaMA-2 7B)
    assertLlamaTwoSevenBLayers(text);
    assertEquals(128, text.headDim(), "head_dim defaults to hidden_size / num_attention_heads");
    assertEquals(10000.0, text.rope().theta());
    assertEquals("default", text.rope().type());
    assertFalse(text.attentionBias());
    assertFalse(text.mlpBias());
    assertFalse(text.tieWordEmbeddings());
    assertEquals(1, text.bosTokenId());
    assertEquals(2, text.eosTokenId());
    assertEquals(
        32001,
        text.padTokenId(),
        "LlamaConfig has no pad token; the LLaVA config's pad_token_id is used");
  }

  @Test
  void llava15SevenBVisionTowerIsClipLargeAt336WithCLIPDefaultsForTheRest() throws IOException {
    LlavaConfig config = parse(LLAVA_15_7B);
    VisionConfig vision = config.vision();
    assertClipLarge336(vision);
    assertEquals(3, vision.numChannels(), "CLIPVisionConfig default");
    assertEquals("quick_gelu", vision.hiddenAct(), "CLIPVisionConfig default");
    assertEquals(1e-5, vision.layerNormEps(), "CLIPVisionConfig default");
    assertEquals(64, vision.headDim());
    assertEquals(576, vision.numPatches());
    // LLaVA
    assertLlava15ImageTokens(config);
    assertFalse(config.keepClassToken());
    assertEquals(23, config.hiddenStateIndex(-2));
    assertEquals(1024, config.projectorInputSize());
    assertEquals("gelu", config.projectorHiddenAct());
    assertEquals(true, config.projectorBias(), "multimodal_projector_bias defaults to true");
  }

  @Test
  void emptyLlavaConfigIsLlava15WithLlamaTwoDefaults() throws IOException {
    LlavaConfig config = parse("{\"model_type\": \"llava\"}");
    TextConfig text = config.text();
    assertEquals(32000, text.vocabSize());
    assertLlamaTwoSevenBLayers(text);
    assertEquals(2048, text.maxPositionEmbeddings());
    assertEquals(1e-6, text.rmsNormEps());
    assertEquals(-1, text.padTokenId(), "no pad token anywhere");
    // LlavaConfig builds CLIP ViT-L/14-336 when vision_config is absent
    assertClipLarge336(config.vision());
    assertLlava15ImageTokens(config);
  }

  @Test
  void visionConfigFieldsLeftOutTakeCLIPVisionConfigDefaults() throws IOException {
    VisionConfig vision =
        parse(
                "{\"model_type\": \"llava\", \"vision_config\": {\"model_type\": \"clip_vision_model\"}}")
            .vision();
    assertEquals(768, vision.hiddenSize());
    assertEquals(3072, vision.intermediateSize());
    assertEquals(12, vision.numHiddenLayers());
    assertEquals(12, vision.numAttentionHeads());
    assertEquals(224, vision.imageSize());
    assertEquals(32, vision.patchSize());
  }

  @Test
  void olderRopeThetaFieldAndKeyValueHeadsAreRead() throws IOException {
    TextConfig text =
        parse(
                """
        {"model_type": "llava", "text_config": {"model_type": "llama", "hidden_size": 2048,
         "num_attention_heads": 32, "num_key_value_heads": 8, "rope_theta": 500000.0}}
        """)
            .text();
    assertEquals(500000.0, text.rope().theta());
    assertEquals(8, text.numKeyValueHeads());
    assertEquals(4, text.queriesPerKeyValue());
    assertEquals(64, text.headDim());
  }

  /** LlamaConfig's default layer sizes, those of LLaMA-2 7B. */
  private static void assertLlamaTwoSevenBLayers(TextConfig text) {
    assertEquals(4096, text.hiddenSize());
    assertEquals(11008, text.intermediateSize());
    assertEquals(32, text.numHiddenLayers());
    assertEquals(32, text.numAttentionHeads());
    assertEquals(
        32,
        text.numKeyValueHeads(),
        "num_key_value_heads defaults to num_attention_heads (no GQA)");
  }

  /** CLIP ViT-L/14 at 336 px: LLaVA 1.5's vision tower and LlavaConfig's default one. */
  private static void assertClipLarge336(VisionConfig vision) {
    assertEquals(1024, vision.hiddenSize());
    assertEquals(4096, vision.intermediateSize());
    assertEquals(24, vision.numHiddenLayers());
    assertEquals(16, vision.numAttentionHeads());
    assertEquals(336, vision.imageSize());
    assertEquals(14, vision.patchSize());
  }

  /** LLaVA 1.5's image placeholder: token 32000, features of layer -2, one per patch. */
  private static void assertLlava15ImageTokens(LlavaConfig config) {
    assertEquals(32000, config.imageTokenId());
    assertEquals(List.of(-2), config.visionFeatureLayers());
    assertEquals(576, config.imageSeqLength(), "24 × 24 patches, class token dropped");
  }
}
