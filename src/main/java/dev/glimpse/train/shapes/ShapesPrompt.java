package dev.glimpse.train.shapes;

/**
 * The LLaVA-1.5 chat template as the demo model is trained and served with it; the prompt is the
 * same string that {@code dev.glimpse.model.text.PromptTemplate.LLAVA_1_5} makes at serving time,
 * plus the training target that follows it.
 *
 * <p>A training sequence is {@code <s>} + {@link #prompt} + {@link #target}: the prompt is {@code
 * "USER: <image>\n{question} ASSISTANT:"} and the target is {@code " {answer}</s>"}. The loss
 * covers only the target's tokens (the answer words and {@code </s>}); at inference the model is
 * given {@code <s>} + prompt and decodes until {@code </s>}. The BOS {@code <s>} is added by the
 * tokenizer's post-processor when special tokens are requested (see {@link TokenizerJsonWriter}),
 * never written into the text, which is how the Llama tokenizers of real LLaVA checkpoints behave.
 * At serving time each {@code <image>} is expanded into one image token per visual feature; the
 * tokenizer gives each copy id {@link ShapesVocabulary#IMAGE_ID}.
 */
public final class ShapesPrompt {

  public static final String IMAGE_TOKEN = ShapesVocabulary.IMAGE;
  public static final String EOS = ShapesVocabulary.EOS;

  private ShapesPrompt() {}

  /** {@code "USER: <image>\n" + question + " ASSISTANT:"}. */
  public static String prompt(String question) {
    return "USER: "
        + IMAGE_TOKEN
        + "\n"
        + ShapesLanguage.requireCanonical(question)
        + " ASSISTANT:";
  }

  /** {@code " " + answer + "</s>"}: what follows the prompt in a training sequence. */
  public static String target(String answer) {
    return " " + ShapesLanguage.requireCanonical(answer) + EOS;
  }
}
