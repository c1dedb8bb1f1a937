package dev.glimpse.model.projector;

import ai.djl.ndarray.NDArray;
import dev.glimpse.model.Layers;
import dev.glimpse.model.WeightLoader;
import dev.glimpse.model.config.LlavaConfig;

/**
 * Maps vision features into the language model's token-embedding space. Which kind a checkpoint
 * holds follows from its weights: {@code linear_1} alone is a single linear map (LiMBeR,
 * MiniGPT-4); {@code linear_1} and {@code linear_2} are LLaVA-1.5's linear → GELU → linear.
 *
 * <p>Shapes in the comments use these dimensions: N images, M image tokens per image, V the vision
 * features' width (vision hidden size × feature layers read), E the language model's hidden size.
 * Weights are kept transposed, (in, out).
 */
public sealed interface MultiModalProjector
    permits MultiModalProjector.LinearProjector, MultiModalProjector.MlpProjector {

  /** (N, M, V) -> (N, M, E) */
  NDArray forward(NDArray visionFeatures);

  /** "linear" or "mlp2x_gelu", the names LLaVA's own code uses. */
  String kind();

  static MultiModalProjector load(WeightLoader w, LlavaConfig config) {
    long in = config.projectorInputSize();
    long out = config.text().hiddenSize();
    boolean bias = config.projectorBias();
    Layers.Linear first = w.linear("projector.linear_1", in, out, bias);
    if (w.has("projector.linear_2.weight")) {
      return new MlpProjector(first, w.linear("projector.linear_2", out, out, bias));
    }
    return new LinearProjector(first);
  }

  /**
   * One linear map from image to text space.
   *
   * @param linear weight (V, E), bias (E) or none
   */
  record LinearProjector(Layers.Linear linear) implements MultiModalProjector {
    @Override
    public NDArray forward(NDArray visionFeatures) {
      return linear.forward(visionFeatures); // (N, M, V) x (V, E) -> (N, M, E)
    }

    @Override
    public String kind() {
      return "linear";
    }
  }

  /**
   * LLaVA-1.5's two-layer MLP with a GELU between.
   *
   * @param linear1 weight (V, E), bias (E) or none
   * @param linear2 weight (E, E), bias (E) or none
   */
  record MlpProjector(Layers.Linear linear1, Layers.Linear linear2) implements MultiModalProjector {
    @Override
    public NDArray forward(NDArray visionFeatures) {
      NDArray inner =
          Layers.gelu(linear1.forward(visionFeatures)); // (N, M, V) x (V, E) -> (N, M, E)
      return linear2.forward(inner); // (N, M, E) x (E, E) -> (N, M, E)
    }

    @Override
    public String kind() {
      return "mlp2x_gelu";
    }
  }
}
