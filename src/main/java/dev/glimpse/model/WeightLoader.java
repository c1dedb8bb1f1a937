package dev.glimpse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;

/**
 * Builds the model's layers from a checkpoint onto one manager (device) in one dtype, reshaping
 * weights once at load so that forward passes do as few array operations as possible.
 */
public final class WeightLoader {
  private final LlavaCheckpoint checkpoint;
  private final NDManager manager;
  private final DataType dtype;

  public WeightLoader(LlavaCheckpoint checkpoint, NDManager manager, DataType dtype) {
    this.checkpoint = checkpoint;
    this.manager = manager;
    this.dtype = dtype;
  }

  public DataType dtype() {
    return dtype;
  }

  public NDManager manager() {
    return manager;
  }

  public boolean has(String name) {
    return checkpoint.has(name);
  }

  public NDArray tensor(String name, long... shape) {
    return checkpoint.load(manager, name, dtype, shape);
  }

  /** A linear layer {@code prefix.weight} (out, in) and optional {@code prefix.bias} (out). */
  public Layers.Linear linear(String prefix, long in, long out, boolean bias) {
    return fusedLinear(new String[] {prefix}, in, new long[] {out}, bias);
  }

  /**
   * Several linear layers that read the same input, fused into one: their weights concatenated
   * along the output axis, (in, sum of outs), so q/k/v or gate/up cost one matMul.
   */
  public Layers.Linear fusedLinear(String[] prefixes, long in, long[] outs, boolean bias) {
    NDList weights = new NDList();
    NDList biases = new NDList();
    for (int i = 0; i < prefixes.length; i++) {
      weights.add(tensor(prefixes[i] + ".weight", outs[i], in));
      if (bias) {
        biases.add(tensor(prefixes[i] + ".bias", outs[i]));
      }
    }
    NDArray weight = weights.size() == 1 ? weights.head() : NDArrays.concat(weights, 0);
    // (in, out), contiguous so every matMul reads it in the same layout
    NDArray weightT = weight.transpose().duplicate();
    NDArray fusedBias =
        !bias ? null : biases.size() == 1 ? biases.head() : NDArrays.concat(biases, 0);
    weights.close();
    weight.close();
    if (bias && biases.size() > 1) {
      biases.close();
    }
    return new Layers.Linear(weightT, fusedBias);
  }

  public Layers.LayerNorm layerNorm(String prefix, long size, double eps) {
    return new Layers.LayerNorm(
        tensor(prefix + ".weight", size), tensor(prefix + ".bias", size), (float) eps);
  }

  public Layers.RmsNorm rmsNorm(String prefix, long size, double eps) {
    return new Layers.RmsNorm(
        tensor(prefix + ".weight", size), manager.create(new float[] {(float) eps}));
  }
}
