package dev.glimpse.model.text;

/**
 * How a question becomes a prompt. LLaVA-1.5 (Vicuna) writes {@code USER: <image>\n{question}
 * ASSISTANT:}; the answer follows after a space.
 */
public enum PromptTemplate {
  LLAVA_1_5("USER: <image>\n%s ASSISTANT:");

  private final String format;

  PromptTemplate(String format) {
    this.format = format;
  }

  /** The prompt that asks {@code question} about one image. */
  public String apply(String question) {
    return String.format(format, question.strip());
  }
}
