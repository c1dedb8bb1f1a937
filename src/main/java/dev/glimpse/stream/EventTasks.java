package dev.glimpse.stream;

import dev.glimpse.contract.ImageEvent;
import dev.glimpse.task.CacheKey;
import dev.glimpse.task.ResolvedTask;
import dev.glimpse.task.TaskDefaults;
import java.util.ArrayList;
import java.util.List;

/**
 * A hashed event's tasks, each with its cache key and, once looked up, its cached result. The
 * hits are answered by ingest; the misses travel to the worker together, in one request that
 * carries the image once.
 */
public record EventTasks(Origin origin, HashedEvent hashed, List<Lookup> tasks) {

  /**
   * One task of the event.
   *
   * @param index its place in the event's task list
   * @param task the contract's CaptionTask, QuestionTask or ModerationTask
   * @param resolved the task with every default applied: what the cache key fingerprints
   * @param cached the cached result (a CaptionResult, AnswerResult or ModerationResult), or null
   */
  public record Lookup(int index, Object task, ResolvedTask resolved, String cacheKey, Object cached) {
    boolean isHit() {
      return cached != null;
    }

    Lookup withCached(Object result) {
      return new Lookup(index, task, resolved, cacheKey, result);
    }
  }

  /** A cache hit with the event it answers. */
  public record Hit(ImageEvent event, Lookup lookup) {}

  public EventTasks {
    tasks = List.copyOf(tasks);
  }

  /** The event's tasks, in order, each keyed for the cache; none looked up yet. */
  public static EventTasks of(Checked<HashedEvent> checked, TaskDefaults defaults, String modelId) {
    HashedEvent hashed = checked.value();
    ImageEvent event = hashed.valid().event();
    List<Lookup> lookups = new ArrayList<>();
    for (int i = 0; i < event.getTasks().size(); i++) {
      Object task = event.getTasks().get(i);
      ResolvedTask resolved = ResolvedTask.of(task, event.getOptions(), defaults);
      lookups.add(new Lookup(i, task, resolved, CacheKey.of(hashed.imageSha256(), resolved, modelId), null));
    }
    return new EventTasks(checked.origin(), hashed, lookups);
  }

  public ImageEvent event() {
    return hashed.valid().event();
  }

  List<Hit> hits() {
    return tasks.stream().filter(Lookup::isHit).map(l -> new Hit(event(), l)).toList();
  }

  List<Lookup> misses() {
    return tasks.stream().filter(l -> !l.isHit()).toList();
  }

  boolean hasMisses() {
    return tasks.stream().anyMatch(l -> !l.isHit());
  }
}
