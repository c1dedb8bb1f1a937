package dev.glimpse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/** The few tensor operations the model is built from, each as transformers computes it. */
public final class Layers {
  private Layers() {}

  /** A linear layer with its weight stored transposed, (in, out), so forward is one matMul. */
  public record Linear(NDArray weightT, NDArray bias) {
    /** (..., in) x (in, out) → (..., out), + bias (out) when there is one */
    public NDArray forward(NDArray x) {
      NDArray y = x.matMul(weightT);
      return bias == null ? y : y.addi(bias);
    }
  }

  /**
   * LayerNorm over the last axis (the engine's layer_norm, which DJL's LayerNorm block also calls).
   */
  public record LayerNorm(NDArray weight, NDArray bias, float eps) {
    /** (..., d) → (..., d), with weight and bias (d) */
    public NDArray forward(NDArray x) {
      Shape normalized = new Shape(weight.getShape().get(0));
      return x.getNDArrayInternal().layerNorm(x, normalized, weight, bias, eps).singletonOrThrow();
    }
  }

  /**
   * LLaMA's RMSNorm: {@code w * (x / sqrt(mean(x²) + eps))}, computed in float32 and cast back, as
   * transformers does for half-precision inputs.
   */
  public record RmsNorm(NDArray weight, NDArray eps) {
    /**
     * @param eps a one-element float32 array on the weight's device: no scalar upload per call
     */
    public RmsNorm {}

    /** (..., d) → (..., d), with weight (d) */
    public NDArray forward(NDArray x) {
      DataType inputType = x.getDataType();
      NDArray x32 = inputType == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
      NDArray variance = x32.square().mean(new int[] {-1}, true);
      NDArray normed = x32.div(variance.addi(eps).sqrt());
      if (inputType != DataType.FLOAT32) {
        normed = normed.toType(inputType, false);
      }
      return normed.muli(weight);
    }
  }

  /** CLIP's quick_gelu: {@code x * sigmoid(1.702 x)}. */
  public static NDArray quickGelu(NDArray x) {
    return x.mul(Activation.sigmoid(x.mul(1.702f)));
  }

  /** The exact (erf) GELU of torch.nn.functional.gelu. */
  public static NDArray gelu(NDArray x) {
    return Activation.gelu(x);
  }

  /** SiLU: {@code x * sigmoid(x)}. */
  public static NDArray silu(NDArray x) {
    return x.mul(Activation.sigmoid(x));
  }

  /** The activation a CLIP config names. */
  public static NDArray quickGeluOrGelu(String hiddenAct, NDArray x) {
    return hiddenAct.equals("quick_gelu") ? quickGelu(x) : gelu(x);
  }
}
