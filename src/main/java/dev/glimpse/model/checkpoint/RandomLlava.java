package dev.glimpse.model.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Randomly initialised LLaVA checkpoints of any {@link LlavaSpec}, for tests and benchmarks that
 * need a model of a given shape but not a trained one (e.g. an 8-layer hidden-512 checkpoint made
 * on the fly). Weights follow transformers' initialisation in kind: matrices, embeddings and the
 * class token normal with a small std; norm weights 1 plus a little noise and biases small, not
 * exactly 1 and 0, so that a loader that swaps or skips a norm or a bias is caught.
 *
 * <p>Each tensor draws from its own generator, seeded from the seed and the tensor's name, so a
 * tensor's values do not change when the spec adds or removes other tensors (e.g. tying the
 * embeddings leaves every other weight as it was).
 */
public final class RandomLlava {

  /** The fixture llava-tiny-a's initializer_range: large enough that every layer matters. */
  public static final double DEFAULT_STD = 0.08;

  private RandomLlava() {}

  /** Weights of a spec, legacy names, with {@link #DEFAULT_STD}. */
  public static List<SafetensorsWriter.Tensor> weights(LlavaSpec spec, long seed) {
    return weights(spec, seed, DEFAULT_STD);
  }

  /**
   * Weights of a spec, legacy names, in {@link LlavaCheckpointWriter#tensorShapes} order.
   *
   * @param std standard deviation of matrices and embeddings (transformers uses 0.02)
   */
  public static List<SafetensorsWriter.Tensor> weights(LlavaSpec spec, long seed, double std) {
    List<SafetensorsWriter.Tensor> out = new ArrayList<>();
    for (Map.Entry<String, long[]> e : LlavaCheckpointWriter.tensorShapes(spec).entrySet()) {
      String name = e.getKey();
      long[] shape = e.getValue();
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      float[] values = new float[Math.toIntExact(n)];
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
      boolean norm = CheckpointKeys.isNorm(name);
      if (norm && name.endsWith(".weight")) {
        fill(values, random, 1.0, 0.1);
      } else if (name.endsWith(".bias")) {
        fill(values, random, 0.0, 0.02);
      } else {
        fill(values, random, 0.0, std);
      }
      out.add(new SafetensorsWriter.Tensor(name, shape, values));
    }
    return out;
  }

  /** Writes a random checkpoint of a spec to {@code dir} (legacy names) and returns {@code dir}. */
  public static Path write(Path dir, LlavaSpec spec, long seed) {
    LlavaCheckpointWriter.write(dir, spec, weights(spec, seed));
    return dir;
  }

  private static void fill(float[] values, SplittableRandom random, double mean, double std) {
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (mean + std * gaussian(random));
    }
  }

  /** A standard normal draw (Box-Muller; SplittableRandom has no nextGaussian on Java 17). */
  private static double gaussian(SplittableRandom random) {
    double u = 1.0 - random.nextDouble(); // (0, 1]
    double v = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
