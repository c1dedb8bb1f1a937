package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.train.shapes.Example;
import dev.glimpse.train.shapes.ShapesVocabulary;
import java.util.ArrayList;
import java.util.List;

/**
 * Token rows of a batch: the prompt with {@code <pad>} in the image slot, then the target, padded
 * to the longest row; with the slot's description as a multi-hot over the vocabulary ({@link
 * SceneSlots#multiHot}) when the language model reads text alone, else null.
 *
 * @param ids (rows × length) token ids
 * @param targets (rows × length): the token each position should predict
 * @param counted (rows × length): true where the prediction is part of the answer, so in the loss
 * @param described (rows × slots × vocab), or null
 */
record Sequences(
    long[] ids, int rows, int length, int[][] targets, boolean[][] counted, float[] described) {

  /** Where the image tokens start: after {@code <s> USER :}. */
  static final int IMAGE_START = 3;

  static Sequences of(List<Example> examples, int slots, boolean describe) {
    ShapesVocabulary v = ShapesVocabulary.SHAPES;
    List<int[]> rows = new ArrayList<>();
    List<Integer> promptLengths = new ArrayList<>();
    int length = 0;
    for (Example e : examples) {
      int[] prompt = v.encode(e.prompt(), true);
      int[] target = v.encode(e.target(), false);
      int[] row = new int[prompt.length - 1 + slots + target.length];
      int k = 0;
      for (int id : prompt) {
        if (id == ShapesVocabulary.IMAGE_ID) {
          for (int i = 0; i < slots; i++) {
            row[k++] = ShapesVocabulary.PAD_ID;
          }
        } else {
          row[k++] = id;
        }
      }
      promptLengths.add(k);
      for (int id : target) {
        row[k++] = id;
      }
      rows.add(row);
      length = Math.max(length, row.length);
    }
    int b = rows.size();
    long[] ids = new long[b * length];
    int[][] targets = new int[b][length];
    boolean[][] counted = new boolean[b][length];
    for (int r = 0; r < b; r++) {
      int[] row = rows.get(r);
      for (int i = 0; i < length; i++) {
        ids[r * length + i] = i < row.length ? row[i] : ShapesVocabulary.PAD_ID;
        if (i + 1 < row.length) {
          targets[r][i] = row[i + 1];
          counted[r][i] = i + 1 >= promptLengths.get(r);
        }
      }
    }
    float[] described =
        describe
            ? SceneSlots.multiHot(
                examples.stream()
                    .map(e -> SceneSlots.bags(e.scene(), slots))
                    .toArray(int[][][]::new),
                v.size())
            : null;
    return new Sequences(ids, b, length, targets, counted, described);
  }

  /** The token ids as a (rows × length) array of {@code manager}. */
  NDArray idsArray(NDManager manager) {
    return manager.create(ids, new Shape(rows, length));
  }

  /**
   * A step's teacher-forced loss of {@code logits} (rows × length × vocab) against these rows'
   * targets, with the accuracy of the same positions for the step's line.
   */
  TrainingLoop.StepLoss stepLoss(NDArray logits) {
    NDArray loss = TrainableLlava.exampleLoss(logits, targets, counted);
    return new TrainingLoop.StepLoss(
        loss, () -> Accuracy.teacherForced(logits, targets, counted), rows);
  }

  /** Whether every counted position of row {@code r} has its target as the argmax. */
  boolean allRight(float[] argmax, int r) {
    for (int i = 0; i < length; i++) {
      if (counted[r][i] && (int) argmax[r * length + i] != targets[r][i]) {
        return false;
      }
    }
    return true;
  }
}
