package dev.glimpse.model.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer, allocated once for a batch at its full length and filled in
 * place, so decoding allocates nothing per step for the cache.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys; // per layer (batch, kv heads, capacity, head dim)
  private final NDArray[] values; // per layer (batch, kv heads, capacity, head dim)
  private final int capacity;

  public KvCache(
      NDManager parent,
      int layers,
      int batch,
      int kvHeads,
      int capacity,
      int headDim,
      DataType dtype) {
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    Shape shape = new Shape(batch, kvHeads, capacity, headDim);
    for (int i = 0; i < layers; i++) {
      keys[i] = manager.zeros(shape, dtype);
      values[i] = manager.zeros(shape, dtype);
    }
  }

  public int capacity() {
    return capacity;
  }

  /**
   * Writes positions [offset, offset + t) of one layer and returns the keys and values of positions
   * [0, offset + t), attached to the caller's manager.
   *
   * @param k (batch, kv heads, t, head dim)
   * @param v (batch, kv heads, t, head dim)
   */
  NDArray[] append(int layer, int offset, NDArray k, NDArray v) {
    long t = k.getShape().get(2);
    if (offset + t > capacity) {
      throw new IllegalStateException(
          "KV cache of " + capacity + " positions cannot hold " + (offset + t));
    }
    NDIndex write = new NDIndex(":, :, {}:{}", offset, offset + t);
    keys[layer].set(write, k);
    values[layer].set(write, v);
    NDIndex read = new NDIndex(":, :, :{}", offset + t);
    NDArray kAll = keys[layer].get(read);
    NDArray vAll = values[layer].get(read);
    kAll.attach(k.getManager());
    vAll.attach(k.getManager());
    return new NDArray[] {kAll, vAll};
  }

  /**
   * Copies one row's first {@code length} positions of another cache into a row of this one,
   * starting at {@code offset}: how a request prefilled on its own joins a running batch.
   */
  public void copyRow(KvCache source, int sourceRow, int row, int offset, int length) {
    copyRow(source, sourceRow, 0, row, offset, length);
  }

  /**
   * Copies positions [from, from + length) of one row of another cache to positions [offset, offset
   * + length) of a row of this one: how a shared prefix is taken out of a padded batch and put
   * under each row that continues it.
   */
  public void copyRow(KvCache source, int sourceRow, int from, int row, int offset, int length) {
    if (length == 0) {
      return;
    }
    NDIndex read = new NDIndex("{}, :, {}:{}", sourceRow, from, from + length);
    NDIndex to = new NDIndex("{}, :, {}:{}", row, offset, offset + length);
    for (int layer = 0; layer < keys.length; layer++) {
      try (NDArray k = source.keys[layer].get(read);
          NDArray v = source.values[layer].get(read)) {
        keys[layer].set(to, k);
        values[layer].set(to, v);
      }
    }
  }

  /**
   * Moves positions [by, by + length) of every row to [0, length), in every layer: how a batch
   * whose rows all start after position {@code by} makes room at its end. What lies after {@code
   * length} is left as it was, for the caller to mask or overwrite.
   */
  public void shiftLeft(int by, int length) {
    if (by == 0 || length == 0) {
      return;
    }
    NDIndex read = new NDIndex(":, :, {}:{}", by, by + length);
    NDIndex to = new NDIndex(":, :, :{}", length);
    for (int layer = 0; layer < keys.length; layer++) {
      // copied out first: the two ranges overlap
      try (NDArray kView = keys[layer].get(read);
          NDArray vView = values[layer].get(read);
          NDArray k = kView.duplicate();
          NDArray v = vView.duplicate()) {
        keys[layer].set(to, k);
        values[layer].set(to, v);
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
