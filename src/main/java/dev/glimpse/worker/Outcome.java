package dev.glimpse.worker;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.Timings;
import java.util.Map;

/** What became of one task of a job: a caption or an answer, moderation scores, or a failure. */
sealed interface Outcome {
  Job.Task task();

  /** Generated text: a caption or an answer, per the task. */
  record Text(Job.Task task, String text, Timings timings) implements Outcome {}

  /** Probability per moderation category, in the task's order. */
  record Scores(Job.Task task, Map<String, Double> scores, Timings timings) implements Outcome {}

  /** The task could not be served; it becomes a dead letter with this code. */
  record Failed(Job.Task task, ErrorCode code, String message) implements Outcome {}
}
