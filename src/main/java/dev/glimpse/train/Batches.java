package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.image.ClipImageProcessor;
import dev.glimpse.train.shapes.Example;
import dev.glimpse.train.shapes.ShapesDataset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * Batches of the shapes world, drawn by index: examples {@code from, from + 1, ...} of a split, so
 * a stage that starts at its own offset sees data no other stage sees, and a seed gives the same
 * batches every time.
 */
final class Batches {

  /** One batch of examples with their pixels (or null when the stage reads no image). */
  record Batch(List<Example> examples, float[] pixels, int imageSize) {
    int size() {
      return examples.size();
    }

    /** The pixels as the tower reads them, (n, 3, size, size). */
    NDArray images(NDManager manager) {
      return manager.create(pixels, new Shape(examples.size(), 3, imageSize, imageSize));
    }
  }

  private final ShapesDataset train;
  private final ShapesDataset evaluation;
  private final ClipImageProcessor processor;
  private final int imageSize;
  private final int size;

  Batches(ShapesDataset.Splits splits, ClipImageProcessor processor, int imageSize, int size) {
    this.train = splits.train();
    this.evaluation = splits.evaluation();
    this.processor = processor;
    this.imageSize = imageSize;
    this.size = size;
  }

  /** Examples per batch. */
  int size() {
    return size;
  }

  /**
   * Training batch {@code step} of a stage whose data starts at {@code offset}, built off this
   * thread.
   */
  CompletableFuture<Batch> prefetch(long offset, int step, boolean withPixels) {
    return CompletableFuture.supplyAsync(
        () -> batch(train, offset + (long) step * size, withPixels));
  }

  /** Held-out examples {@code from, from + 1, ...}: one batch of the evaluation split. */
  Batch heldOut(long from, boolean withPixels) {
    return batch(evaluation, from, withPixels);
  }

  private Batch batch(ShapesDataset source, long from, boolean withPixels) {
    List<Example> examples =
        IntStream.range(0, size).parallel().mapToObj(i -> source.example(from + i)).toList();
    float[] pixels = null;
    if (withPixels) {
      int per = 3 * imageSize * imageSize;
      pixels = new float[size * per];
      for (int i = 0; i < size; i++) {
        System.arraycopy(processor.preprocess(examples.get(i).image()), 0, pixels, i * per, per);
      }
    }
    return new Batch(examples, pixels, imageSize);
  }
}
