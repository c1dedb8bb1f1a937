package dev.glimpse.train;

import dev.glimpse.train.shapes.Example;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Teacher-forced accuracy per example kind on held-out examples of the trainer's own evaluation
 * split: an example counts as right when the argmax at every one of its answer tokens is the target
 * (for a one-word answer, what greedy decoding would answer). Keys are {@code caption}, the
 * question types in lower case and {@code moderation}, each also split by the scene's number of
 * shapes ({@code color/2}): a lookup the model has not learned shows as right on one shape and at
 * chance on two or three.
 */
final class HeldOutProbe {
  private final Batches batches;
  private final TrainingLog log;
  private final int examples;

  HeldOutProbe(Batches batches, TrainingLog log, int examples) {
    this.batches = batches;
    this.log = log;
    this.examples = examples;
  }

  /**
   * Scores a stage's model, prints the summary and returns every key's accuracy.
   *
   * @param argmaxOf the argmax of a batch's logits over the vocabulary, (rows × length)
   */
  Map<String, Double> score(
      String stage,
      boolean withPixels,
      int slots,
      boolean describe,
      BiFunction<Batches.Batch, Sequences, float[]> argmaxOf) {
    Map<String, int[]> tally = new TreeMap<>();
    for (int start = 0; start < examples; start += batches.size()) {
      if (log.silentTooLong()) {
        log.line("[%s] held-out probe: %d/%d examples", stage, start, examples);
      }
      Batches.Batch batch = batches.heldOut(start, withPixels);
      Sequences seq = Sequences.of(batch.examples(), slots, describe);
      float[] argmax = argmaxOf.apply(batch, seq);
      for (int r = 0; r < seq.rows(); r++) {
        boolean right = seq.allRight(argmax, r);
        Example e = batch.examples().get(r);
        String key = key(e);
        for (String k : List.of(key, key + "/" + e.scene().count())) {
          int[] c = tally.computeIfAbsent(k, x -> new int[2]);
          c[0] += right ? 1 : 0;
          c[1]++;
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    StringBuilder line = new StringBuilder("[" + stage + "] held-out teacher-forced accuracy:");
    tally.forEach(
        (k, c) -> {
          out.put(k, c[0] / (double) c[1]);
          if (!k.contains("/")) {
            line.append(String.format(Locale.ROOT, " %s %.3f (%d)", k, c[0] / (double) c[1], c[1]));
          }
        });
    log.line("%s", line);
    return out;
  }

  private static String key(Example e) {
    return switch (e.kind()) {
      case CAPTION -> "caption";
      case QUESTION -> e.questionType().name().toLowerCase(Locale.ROOT);
      case MODERATION -> "moderation";
    };
  }
}
