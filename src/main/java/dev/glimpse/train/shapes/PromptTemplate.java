package dev.glimpse.train.shapes;

/**
 * The LLaVA-1.5 chat template the demo model is trained and served with.
 *
 * <p>A training sequence is {@code <s>} + {@link #prompt} + {@link #target}: the prompt is {@code
 * "USER: <image>\n{question} ASSISTANT:"} and the target is {@code " {answer}</s>"}. The loss
 * covers only the target's tokens (the answer words and {@code </s>}); at inference the model is
 * given {@code <s>} + prompt and decodes until {@code </s>}. The BOS {@code <s>} is added by the
 * tokenizer's post-processor when special tokens are requested (see {@link TokenizerJsonWriter}),
 * never written into the text, which is how the Llama tokenizers of real LLaVA checkpoints behave.
 */
public final class PromptTemplate {

  public static final String IMAGE_TOKEN = "<image>";
  public static final String EOS = "</s>";

  private PromptTemplate() {}

  /** {@code "USER: <image>\n" + question + " ASSISTANT:"}. */
  public static String prompt(String question) {
    return "USER: " + IMAGE_TOKEN + "\n" + ShapesLanguage.requireCanonical(question) + " ASSISTANT:";
  }

  /** {@code " " + answer + "</s>"}: what follows the prompt in a training sequence. */
  public static String target(String answer) {
    return " " + ShapesLanguage.requireCanonical(answer) + EOS;
  }
}
