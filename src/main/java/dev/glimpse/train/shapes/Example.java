package dev.glimpse.train.shapes;

import java.awt.image.BufferedImage;

/**
 * One training or evaluation example: an image, what the model is asked about it, and the answer.
 *
 * @param index position of the example in its dataset split; with the split's seed it regenerates
 *     the example
 * @param scene the ground truth behind the image
 * @param image the rendered scene, {@code TYPE_INT_RGB}
 * @param kind what is being trained
 * @param questionType the question's type for {@link PromptKind#QUESTION}, else null
 * @param category the category asked about for {@link PromptKind#MODERATION}, else null
 * @param question the question text, or null for {@link PromptKind#CAPTION} (whose prompt asks
 *     {@link ShapesLanguage#CAPTION_QUESTION})
 * @param answer the one correct answer, canonical
 */
public record Example(
    long index,
    Scene scene,
    BufferedImage image,
    PromptKind kind,
    QuestionType questionType,
    ModerationCategory category,
    String question,
    String answer) {

  public Example {
    if (scene == null || image == null || kind == null) {
      throw new IllegalArgumentException("scene, image and kind are required");
    }
    ShapesLanguage.requireCanonical(answer);
    switch (kind) {
      case CAPTION -> require(question == null && questionType == null && category == null, kind);
      case QUESTION -> require(question != null && questionType != null && category == null, kind);
      case MODERATION ->
          require(question != null && questionType == null && category != null, kind);
      default -> throw new IllegalArgumentException("unknown kind " + kind);
    }
    if (question != null) {
      ShapesLanguage.requireCanonical(question);
    }
  }

  private static void require(boolean ok, PromptKind kind) {
    if (!ok) {
      throw new IllegalArgumentException(
          "a " + kind + " example needs exactly the fields of its kind (question, type, category)");
    }
  }

  /** What the user asks: the question, or "describe the image" for a caption. */
  public String userText() {
    return question == null ? ShapesLanguage.CAPTION_QUESTION : question;
  }

  /** The full prompt, {@code "USER: <image>\n{userText} ASSISTANT:"}, without BOS. */
  public String prompt() {
    return ShapesPrompt.prompt(userText());
  }

  /** The training target that follows the prompt, {@code " {answer}</s>"}. */
  public String target() {
    return ShapesPrompt.target(answer);
  }
}
