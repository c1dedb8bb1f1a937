package dev.glimpse.train.shapes;

/**
 * A question about a scene and its one correct answer, both in the canonical form of {@link
 * ShapesLanguage}: lowercase words separated by single spaces, no punctuation.
 */
public record Question(String text, String answer) {

  public Question {
    ShapesLanguage.requireCanonical(text);
    ShapesLanguage.requireCanonical(answer);
  }
}
