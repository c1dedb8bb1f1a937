package dev.glimpse.train.shapes;

import java.util.SplittableRandom;

/**
 * Relative weights of the example kinds a {@link ShapesDataset} draws. Weights need not sum to one;
 * a zero weight switches a kind off.
 */
public record TaskMix(
    double caption,
    double color,
    double count,
    double exists,
    double position,
    double whichShape,
    double moderation) {

  /**
   * A quarter captions, half questions (a tenth each type), a quarter moderation: enough moderation
   * examples that the demo's precision and recall are measured on thousands of them.
   */
  public static final TaskMix DEFAULT = new TaskMix(0.25, 0.1, 0.1, 0.1, 0.1, 0.1, 0.25);

  /** Only captions, for a first projection-training stage as in LLaVA's pre-training. */
  public static final TaskMix CAPTIONS_ONLY = new TaskMix(1, 0, 0, 0, 0, 0, 0);

  public TaskMix {
    double[] w = {caption, color, count, exists, position, whichShape, moderation};
    double sum = 0;
    for (double v : w) {
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException("weights must be finite and non-negative: " + v);
      }
      sum += v;
    }
    if (sum <= 0) {
      throw new IllegalArgumentException("at least one weight must be positive");
    }
  }

  /** The outcome of one draw: a caption, a question of some type, or a moderation question. */
  record Draw(PromptKind kind, QuestionType questionType) {}

  /** Draws a kind in proportion to the weights. */
  Draw draw(SplittableRandom rng) {
    double[] w = {caption, color, count, exists, position, whichShape, moderation};
    double sum = 0;
    for (double v : w) {
      sum += v;
    }
    double u = rng.nextDouble() * sum;
    int i = 0;
    while (i < w.length - 1 && (u >= w[i] || w[i] == 0)) {
      u -= w[i];
      i++;
    }
    // Skip trailing zero weights that floating-point leftovers might land on.
    while (w[i] == 0) {
      i--;
    }
    return switch (i) {
      case 0 -> new Draw(PromptKind.CAPTION, null);
      case 1 -> new Draw(PromptKind.QUESTION, QuestionType.COLOR);
      case 2 -> new Draw(PromptKind.QUESTION, QuestionType.COUNT);
      case 3 -> new Draw(PromptKind.QUESTION, QuestionType.EXISTS);
      case 4 -> new Draw(PromptKind.QUESTION, QuestionType.POSITION);
      case 5 -> new Draw(PromptKind.QUESTION, QuestionType.WHICH_SHAPE);
      default -> new Draw(PromptKind.MODERATION, null);
    };
  }
}
