package dev.glimpse.train.shapes;

/** The kinds of question the shapes world asks, each with a one-word answer. */
public enum QuestionType {
  /** "what color is the circle" → "red"; asked only about a kind that occurs once. */
  COLOR,
  /** "how many shapes are there" → "one", "two" or "three". */
  COUNT,
  /** "is there a triangle" / "is there a red triangle" → "yes" or "no". */
  EXISTS,
  /** "where is the red circle" → a {@link Region} word; asked only when the region is clear. */
  POSITION,
  /** "which shape is blue" → "square"; asked only about a colour that occurs once. */
  WHICH_SHAPE
}
