package dev.glimpse.train.shapes;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * An unlimited, random-access source of shapes-world examples.
 *
 * <p>Example {@code i} of a split is a pure function of (seed, split, i, config): it is drawn from
 * its own {@code new SplittableRandom(exampleSeed(seed, split, i))}. So a trainer can draw examples
 * in any order, in parallel ({@code LongStream.range(a, b).parallel().mapToObj( dataset::example)};
 * instances are immutable and thread-safe), and resume at any index, and an evaluator can re-create
 * exactly the examples it scored.
 *
 * <h2>Train and evaluation are disjoint in seed space</h2>
 *
 * {@link #exampleSeed} maps (index, split) to {@code mix64(seed + GOLDEN * (2 * index +
 * split.ordinal()))}, where GOLDEN is odd and mix64 is the bijective SplitMix64 finaliser. For one
 * base seed, train examples use the even multipliers and evaluation examples the odd ones, so no
 * evaluation example shares its random stream with any training example. Scenes come from the same
 * distribution (that is the point of a held-out set), and positions are continuous, so an
 * evaluation scene repeating a training scene exactly has probability close to zero; similar scenes
 * of course exist, since the world is small.
 */
public final class ShapesDataset {

  /** Which half of a {@link #split} a dataset draws from. */
  public enum Split {
    TRAIN,
    EVALUATION
  }

  /** A training set and a held-out evaluation set with disjoint seeds. */
  public record Splits(ShapesDataset train, ShapesDataset evaluation) {}

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private static final int MAX_SCENE_DRAWS = 1000;

  private final long seed;
  private final Split split;
  private final DatasetConfig config;
  private final SceneGenerator generator = new SceneGenerator();
  private final ShapeRenderer renderer;

  public ShapesDataset(long seed, Split split, DatasetConfig config) {
    this.seed = seed;
    this.split = split;
    this.config = config;
    this.renderer = new ShapeRenderer(config.imageSize(), config.jitter());
  }

  /**
   * The train and evaluation halves for a seed. Evaluation renders without jitter, so its images
   * are the scenes exactly as the ground truth describes them.
   */
  public static Splits split(long seed, DatasetConfig config) {
    return new Splits(
        new ShapesDataset(seed, Split.TRAIN, config),
        new ShapesDataset(seed, Split.EVALUATION, config.withJitter(Jitter.NONE)));
  }

  public long seed() {
    return seed;
  }

  public Split splitName() {
    return split;
  }

  public DatasetConfig config() {
    return config;
  }

  public ShapeRenderer renderer() {
    return renderer;
  }

  /** The seed of example {@code index}'s random stream (see the class comment). */
  public static long exampleSeed(long seed, Split split, long index) {
    if (index < 0 || index >= (1L << 62)) {
      throw new IllegalArgumentException("index out of range: " + index);
    }
    return mix64(seed + GOLDEN * (2 * index + split.ordinal()));
  }

  /** Example {@code index}, regenerated identically on every call. */
  public Example example(long index) {
    SplittableRandom rng = new SplittableRandom(exampleSeed(seed, split, index));
    TaskMix.Draw draw = config.mix().draw(rng);
    return switch (draw.kind()) {
      case CAPTION -> {
        Scene scene = generator.generate(rng);
        yield new Example(
            index,
            scene,
            renderer.render(scene),
            PromptKind.CAPTION,
            null,
            null,
            null,
            ShapesLanguage.caption(scene));
      }
      case QUESTION -> {
        for (int t = 0; t < MAX_SCENE_DRAWS; t++) {
          Scene scene = generator.generate(rng);
          Optional<Question> q = ShapesLanguage.ask(scene, draw.questionType(), rng);
          if (q.isPresent()) {
            yield new Example(
                index,
                scene,
                renderer.render(scene),
                PromptKind.QUESTION,
                draw.questionType(),
                null,
                q.get().text(),
                q.get().answer());
          }
        }
        throw new IllegalStateException(
            "no scene admitted a " + draw.questionType() + " question in " + MAX_SCENE_DRAWS);
      }
      case MODERATION -> {
        List<ModerationCategory> categories = config.policy().categories();
        ModerationCategory category = categories.get(rng.nextInt(categories.size()));
        boolean flagged = rng.nextDouble() < config.moderationPositiveRate();
        Scene scene =
            flagged
                ? generator.generateContaining(rng, category.kind(), category.color())
                : generator.generateWithout(rng, category.kind(), category.color());
        yield new Example(
            index,
            scene,
            renderer.render(scene),
            PromptKind.MODERATION,
            null,
            category,
            config.policy().question(category),
            config.policy().answer(scene, category));
      }
    };
  }

  /** Examples {@code from}, {@code from + 1}, ... ({@code count} of them), in order. */
  public Stream<Example> stream(long from, long count) {
    return LongStream.range(from, from + count).mapToObj(this::example);
  }

  /** Examples 0, 1, 2, ... without end. */
  public Stream<Example> stream() {
    return LongStream.iterate(0, i -> i + 1).mapToObj(this::example);
  }

  /** The SplitMix64 finaliser: a bijection on 64-bit values that scrambles nearby inputs. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
