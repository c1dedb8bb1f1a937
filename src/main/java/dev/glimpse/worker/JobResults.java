package dev.glimpse.worker;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Gathers the records of a job's tasks as their outcomes arrive (in any order): a result and its
 * cache entry, or a dead letter. With its last task the job is done: its records go to the outbox
 * and its share of the budget is released.
 */
final class JobResults {
  /** The records of a job's finished tasks, until its last task finishes. */
  private static final class Gathered {
    final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    int tasksDone;
  }

  private final ResultRecords results;
  private final DeadLetters deadLetters;
  private final CommitMeters meters;
  private final Budget budget;
  private final Outbox outbox;
  private final Map<Job, Gathered> open = new IdentityHashMap<>();

  JobResults(
      ResultRecords results,
      DeadLetters deadLetters,
      CommitMeters meters,
      Budget budget,
      Outbox outbox) {
    this.results = results;
    this.deadLetters = deadLetters;
    this.meters = meters;
    this.budget = budget;
    this.outbox = outbox;
  }

  /** A job the model now works on: it holds its share of the budget until it is done. */
  void opened(Job job) {
    open.put(job, new Gathered());
    budget.admitted(job);
  }

  /** A task's outcome becomes its result and cache entry, or its dead letter. */
  void add(Outcome outcome) {
    Job.Task task = outcome.task();
    Job job = task.job();
    Gathered gathered = open.get(job);
    if (gathered == null) {
      return; // abandoned with its partition
    }
    if (outcome instanceof Outcome.Failed f) {
      gathered.records.add(deadLetters.of(job, task, f.code(), f.message()));
    } else {
      List<ProducerRecord<String, byte[]>> records = results.of(outcome);
      // the first is the result (the second its cache entry, not counted)
      meters.result(
          records.get(0),
          job.partition(),
          ResultRecords.kindOf(outcome),
          job.request().getEventTimestamp().toEpochMilli());
      gathered.records.addAll(records);
    }
    if (++gathered.tasksDone == job.tasks().size()) {
      open.remove(job);
      budget.released(job);
      outbox.complete(job.partition(), job.offset(), gathered.records);
    }
  }

  /** Drops the jobs of partitions this worker lost, releasing their budget. */
  void forget(Set<TopicPartition> lost) {
    open.keySet()
        .removeIf(
            job -> {
              if (lost.contains(job.partition())) {
                budget.released(job);
                return true;
              }
              return false;
            });
  }
}
