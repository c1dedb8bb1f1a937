package dev.glimpse.worker;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ResultCacheEntry;
import dev.glimpse.kafka.CarriedHeaders;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import dev.glimpse.task.ResolvedTask;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What a served task writes: its result on the result topic of its kind, keyed by event id (an
 * event's results stay in one partition, in order), and the same result in the result cache, keyed
 * by cache key, for ingest to answer repeats from. The result carries the request's headers (the
 * event's: traceparent and the rest) with its own content-type.
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

  /** The result record and the cache entry of a served task (a text or scores outcome). */
  List<ProducerRecord<String, byte[]>> of(Outcome outcome) {
    Job.Task task = outcome.task();
    var r = task.job().request();
    String eventId = r.getEventId();
    if (outcome instanceof Outcome.Scores s
        && task.resolved() instanceof ResolvedTask.Moderation m) {
      Map<String, Boolean> verdicts = new HashMap<>();
      s.scores().forEach((category, p) -> verdicts.put(category, m.flags(category, p)));
      ModerationResult result =
          new ModerationResult(
              eventId,
              task.index(),
              modelId,
              r.getImageSha256(),
              Map.copyOf(s.scores()),
              verdicts.containsValue(true),
              s.timings(),
              false,
              Map.copyOf(verdicts),
              m.thresholds());
      return both(topics.moderation(), eventId, result, task.cacheKey(), task.job().headers());
    }
    if (outcome instanceof Outcome.Text t && task.resolved() instanceof ResolvedTask.Question q) {
      AnswerResult result =
          new AnswerResult(
              eventId,
              task.index(),
              modelId,
              r.getImageSha256(),
              q.question(),
              t.text(),
              t.timings(),
              false);
      return both(topics.answers(), eventId, result, task.cacheKey(), task.job().headers());
    }
    if (outcome instanceof Outcome.Text t && task.resolved() instanceof ResolvedTask.Caption) {
      CaptionResult result =
          new CaptionResult(
              eventId, task.index(), modelId, r.getImageSha256(), t.text(), t.timings(), false);
      return both(topics.captions(), eventId, result, task.cacheKey(), task.job().headers());
    }
    throw new IllegalArgumentException(
        "no result record for " + outcome.getClass().getSimpleName() + " of " + task);
  }

  private <V extends SpecificRecord> List<ProducerRecord<String, byte[]>> both(
      Topic<String, V> topic, String eventId, V result, String cacheKey, Header[] headers) {
    Topic<String, ResultCacheEntry> cache = topics.resultCache();
    return List.of(
        new ProducerRecord<>(
            topic.name(),
            null,
            eventId,
            topic.valueSerde().serializer().serialize(topic.name(), result),
            CarriedHeaders.of(headers, topic.contentType())),
        // the cache entry answers later events, not this one: only its content-type
        new ProducerRecord<>(
            cache.name(),
            null,
            cacheKey,
            cache.valueSerde().serializer().serialize(cache.name(), new ResultCacheEntry(result)),
            CarriedHeaders.of((Header[]) null, cache.contentType())));
  }
}
