package dev.glimpse.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.glimpse.model.Fixture;
import dev.glimpse.model.ModelException;
import org.junit.jupiter.api.Test;

class LlavaTokenizerTest {
  private final Fixture fixture = Fixture.llavaTinyA();

  @Test
  void promptsTokenizeAsTheLlavaProcessorDid() {
    try (LlavaTokenizer tokenizer = LlavaTokenizer.load(fixture.dir(), 16)) {
      for (int c = 0; c < fixture.cases(); c++) {
        assertArrayEquals(
            fixture.inputIds(c), tokenizer.encodePrompt(fixture.prompt(c)), "case " + c);
      }
    }
  }

  @Test
  void questionTemplateIsLlava15() {
    assertEquals(
        "USER: <image>\nwhat color is the circle ASSISTANT:",
        PromptTemplate.LLAVA_1_5.apply("what color is the circle"));
  }

  @Test
  void longPromptsAreNotTruncated() {
    try (LlavaTokenizer tokenizer = LlavaTokenizer.load(fixture.dir(), 16)) {
      String prompt = "USER: <image>\n" + "describe the image ".repeat(200) + "ASSISTANT:";
      assertEquals(true, tokenizer.encodePrompt(prompt).length > 600);
    }
  }

  @Test
  void promptWithoutImagePlaceholderIsRefused() {
    try (LlavaTokenizer tokenizer = LlavaTokenizer.load(fixture.dir(), 16)) {
      ModelException e =
          assertThrows(ModelException.class, () -> tokenizer.encodePrompt("describe it"));
      assertEquals(ModelException.Code.MISSING_IMAGE_PLACEHOLDER, e.code());
    }
  }

  @Test
  void decodingSkipsSpecialTokens() {
    try (LlavaTokenizer tokenizer = LlavaTokenizer.load(fixture.dir(), 16)) {
      assertEquals(
          fixture.testCase(1).get("generated_text").asText(),
          tokenizer.decode(fixture.generatedIds(1)));
    }
  }
}
