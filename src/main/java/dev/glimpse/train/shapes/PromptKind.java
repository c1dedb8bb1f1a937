package dev.glimpse.train.shapes;

/** What an {@link Example} trains: describing the image, answering a question, or moderating. */
public enum PromptKind {
  /** The question is {@link ShapesLanguage#CAPTION_QUESTION}; the answer is the caption. */
  CAPTION,
  /** A {@link QuestionType} question with a one-word answer. */
  QUESTION,
  /** A {@link ModerationCategory} yes/no question. */
  MODERATION
}
