package dev.glimpse.worker;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ResultCacheEntry;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import dev.glimpse.task.ResolvedTask;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What a served task writes: its result on the result topic of its kind, keyed by event id (an
 * event's results stay in one partition, in order), and the same result in the result cache,
 * keyed by cache key, for ingest to answer repeats from.
 */
final class ResultRecords {
  private final Topics topics;
  private final String modelId;

  ResultRecords(Topics topics, String modelId) {
    this.topics = topics;
    this.modelId = modelId;
  }

  /** The kind of result a served task writes: caption, answer or moderation (the meters' label). */
  static String kindOf(Outcome outcome) {
    if (outcome instanceof Outcome.Scores) {
      return "moderation";
    }
    return outcome.task().resolved() instanceof ResolvedTask.Question ? "answer" : "caption";
  }

  /** The result record and the cache entry of a served task. */
  List<ProducerRecord<String, byte[]>> of(Outcome outcome) {
    Job.Task task = outcome.task();
    var r = task.job().request();
    String eventId = r.getEventId();
    if (outcome instanceof Outcome.Scores s) {
      ResolvedTask.Moderation m = (ResolvedTask.Moderation) task.resolved();
      boolean flagged = s.scores().values().stream().anyMatch(p -> p >= m.flagThreshold());
      ModerationResult result = new ModerationResult(eventId, task.index(), modelId, r.getImageSha256(),
          Map.copyOf(s.scores()), flagged, s.timings(), false);
      return both(topics.moderation(), eventId, result, task.cacheKey());
    }
    Outcome.Text t = (Outcome.Text) outcome;
    if (task.resolved() instanceof ResolvedTask.Question q) {
      AnswerResult result = new AnswerResult(eventId, task.index(), modelId, r.getImageSha256(), q.question(),
          t.text(), t.timings(), false);
      return both(topics.answers(), eventId, result, task.cacheKey());
    }
    CaptionResult result = new CaptionResult(eventId, task.index(), modelId, r.getImageSha256(), t.text(),
        t.timings(), false);
    return both(topics.captions(), eventId, result, task.cacheKey());
  }

  private <V extends SpecificRecord> List<ProducerRecord<String, byte[]>> both(Topic<String, V> topic, String eventId,
      V result, String cacheKey) {
    Topic<String, ResultCacheEntry> cache = topics.resultCache();
    return List.of(
        new ProducerRecord<>(topic.name(), eventId, topic.valueSerde().serializer().serialize(topic.name(), result)),
        new ProducerRecord<>(cache.name(), cacheKey,
            cache.valueSerde().serializer().serialize(cache.name(), new ResultCacheEntry(result))));
  }
}
