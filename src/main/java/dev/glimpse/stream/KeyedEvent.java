package dev.glimpse.stream;

import dev.glimpse.contract.ImageEvent;
import dev.glimpse.task.CacheKey;
import dev.glimpse.task.ResolvedTask;
import dev.glimpse.task.TaskDefaults;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A hashed event with its tasks keyed for the result cache, each with its cached result once looked
 * up. The hits are answered by ingest; the misses travel to the worker together, in one request
 * that carries the image once.
 */
public record KeyedEvent(Origin origin, HashedEvent hashed, List<KeyedTask> tasks) {

  /**
   * One task of the event.
   *
   * @param index its place in the event's task list
   * @param task the contract's CaptionTask, QuestionTask or ModerationTask: an Avro union, which
   *     Java sees as Object; told apart once, by ResolvedTask.of, then only copied into the request
   * @param resolved the task with every default applied: what the cache key fingerprints
   * @param cached the cached result, of {@code resolved.resultType()}, or null
   */
  public record KeyedTask(
      int index, Object task, ResolvedTask resolved, String cacheKey, SpecificRecordBase cached) {
    boolean isHit() {
      return cached != null;
    }

    KeyedTask withCached(SpecificRecordBase result) {
      return new KeyedTask(index, task, resolved, cacheKey, result);
    }
  }

  /** A cache hit with the event it answers. */
  public record CacheHit(ImageEvent event, KeyedTask task) {}

  public KeyedEvent {
    tasks = List.copyOf(tasks);
  }

  /** The event's tasks, in order, each keyed for the cache; none looked up yet. */
  public static KeyedEvent of(Verdict<HashedEvent> checked, TaskDefaults defaults, String modelId) {
    HashedEvent hashed = checked.value();
    ImageEvent event = hashed.valid().event();
    List<KeyedTask> keyed = new ArrayList<>();
    for (int i = 0; i < event.getTasks().size(); i++) {
      Object task = event.getTasks().get(i);
      ResolvedTask resolved = ResolvedTask.of(task, event.getOptions(), defaults);
      keyed.add(
          new KeyedTask(
              i, task, resolved, CacheKey.of(hashed.imageSha256(), resolved, modelId), null));
    }
    return new KeyedEvent(checked.origin(), hashed, keyed);
  }

  public ImageEvent event() {
    return hashed.valid().event();
  }

  List<CacheHit> hits() {
    return tasks.stream().filter(KeyedTask::isHit).map(l -> new CacheHit(event(), l)).toList();
  }

  List<KeyedTask> misses() {
    return tasks.stream().filter(l -> !l.isHit()).toList();
  }

  boolean hasMisses() {
    return tasks.stream().anyMatch(l -> !l.isHit());
  }
}
