package dev.glimpse.model.projector;

import ai.djl.ndarray.NDArray;
import dev.glimpse.model.Layers;
import dev.glimpse.model.WeightLoader;
import dev.glimpse.model.config.LlavaConfig;

/**
 * Maps vision features into the language model's token-embedding space. Which kind a checkpoint
 * holds follows from its weights: {@code linear_1} alone is a single linear map (LiMBeR,
 * MiniGPT-4); {@code linear_1} and {@code linear_2} are LLaVA-1.5's linear → GELU → linear.
 */
public sealed interface MultiModalProjector permits MultiModalProjector.LinearProjector, MultiModalProjector.MlpProjector {

  /** (images, tokens, vision hidden) → (images, tokens, text hidden) */
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

  /** One linear map from image to text space. */
  record LinearProjector(Layers.Linear linear) implements MultiModalProjector {
    @Override
    public NDArray forward(NDArray visionFeatures) {
      return linear.forward(visionFeatures);
    }

    @Override
    public String kind() {
      return "linear";
    }
  }

  /** LLaVA-1.5's two-layer MLP with a GELU between. */
  record MlpProjector(Layers.Linear linear1, Layers.Linear linear2) implements MultiModalProjector {
    @Override
    public NDArray forward(NDArray visionFeatures) {
      return linear2.forward(Layers.gelu(linear1.forward(visionFeatures)));
    }

    @Override
    public String kind() {
      return "mlp2x_gelu";
    }
  }
}
