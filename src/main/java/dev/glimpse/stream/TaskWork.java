package dev.glimpse.stream;

import dev.glimpse.contract.ImageEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * One task of a hashed event, with its cache key and, after the cache lookup, the cached result
 * (a CaptionResult, AnswerResult or ModerationResult), or null on a miss.
 */
public record TaskWork(
    Origin origin, HashedEvent hashed, int taskIndex, Object task, String cacheKey, Object cached) {

  /** The tasks of an event, in order. */
  public static List<TaskWork> of(Checked<HashedEvent> checked, String modelId) {
    HashedEvent hashed = checked.value();
    ImageEvent event = hashed.valid().event();
    List<TaskWork> work = new ArrayList<>();
    for (int i = 0; i < event.getTasks().size(); i++) {
      Object task = event.getTasks().get(i);
      String key = CacheKey.of(hashed.imageSha256(), task, event.getOptions(), modelId);
      work.add(new TaskWork(checked.origin(), hashed, i, task, key, null));
    }
    return work;
  }

  public ImageEvent event() {
    return hashed.valid().event();
  }

  public TaskWork withCached(Object result) {
    return new TaskWork(origin, hashed, taskIndex, task, cacheKey, result);
  }

  public String requestId() {
    return event().getEventId() + "#" + taskIndex;
  }
}
