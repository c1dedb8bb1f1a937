package dev.glimpse.train.shapes;

/**
 * How a {@link ShapesDataset} draws and renders examples.
 *
 * @param imageSize side of the square images in pixels (64 by default; 56 suits 14-px patches)
 * @param jitter render-time perturbation (see {@link Jitter})
 * @param mix relative frequency of captions, each question type and moderation questions
 * @param moderationPositiveRate fraction of moderation examples whose scene is flagged for the
 *     category asked about; left to chance it would be about 6%, too few for a useful precision and
 *     recall, so the dataset fixes it (0.3 by default)
 * @param policy the moderation policy whose categories are asked about
 */
public record DatasetConfig(
    int imageSize,
    Jitter jitter,
    TaskMix mix,
    double moderationPositiveRate,
    ModerationPolicy policy) {

  public DatasetConfig {
    if (imageSize < 32 || imageSize > 1024) {
      throw new IllegalArgumentException("image size must be in [32, 1024]: " + imageSize);
    }
    if (jitter == null || mix == null || policy == null) {
      throw new IllegalArgumentException("jitter, mix and policy are required");
    }
    if (!(moderationPositiveRate >= 0 && moderationPositiveRate <= 1)) {
      throw new IllegalArgumentException(
          "moderationPositiveRate must be in [0, 1]: " + moderationPositiveRate);
    }
  }

  /** 64 px, mild jitter, the default mix, 30% moderation positives, the demo policy. */
  public static DatasetConfig defaults() {
    return new DatasetConfig(
        ShapeRenderer.DEFAULT_SIZE, Jitter.MILD, TaskMix.DEFAULT, 0.3, ModerationPolicy.DEMO);
  }

  public DatasetConfig withImageSize(int size) {
    return new DatasetConfig(size, jitter, mix, moderationPositiveRate, policy);
  }

  public DatasetConfig withJitter(Jitter j) {
    return new DatasetConfig(imageSize, j, mix, moderationPositiveRate, policy);
  }

  public DatasetConfig withMix(TaskMix m) {
    return new DatasetConfig(imageSize, jitter, m, moderationPositiveRate, policy);
  }

  public DatasetConfig withModerationPositiveRate(double rate) {
    return new DatasetConfig(imageSize, jitter, mix, rate, policy);
  }
}
