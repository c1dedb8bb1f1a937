package dev.glimpse.model.checkpoint;

import java.util.Arrays;

/**
 * One entry of a safetensors header: where a tensor's bytes lie in its file.
 *
 * @param begin absolute file offset of the first byte
 * @param length number of bytes
 */
public record TensorInfo(String name, TensorDType dtype, long[] shape, long begin, long length) {

  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public String toString() {
    return name + " " + dtype + " " + Arrays.toString(shape);
  }
}
