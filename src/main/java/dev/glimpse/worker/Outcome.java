package dev.glimpse.worker;

import dev.glimpse.contract.Timings;
import java.util.Map;

/** What became of one job: a caption, an answer, moderation scores, or a failure. */
sealed interface Outcome {
  Job job();

  /** Generated text: a caption or an answer, per the job's task. */
  record Text(Job job, String text, Timings timings) implements Outcome {}

  /** Probability per moderation category. */
  record Scores(Job job, Map<String, Double> scores, Timings timings) implements Outcome {}

  /** The model could not serve the job; it becomes a dead letter. */
  record Failed(Job job, String message) implements Outcome {}
}
