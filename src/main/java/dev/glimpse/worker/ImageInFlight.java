package dev.glimpse.worker;

import dev.glimpse.model.ImageFeatures;
import dev.glimpse.task.ResolvedTask;

/** One job's image on its way through the model: prepared, then encoded, then prefixed. */
final class ImageInFlight {
  final Job job;

  /** When it was ready to encode (or, from the feature cache, to prefill). */
  final long preparedMillis;

  /** Time spent decoding and preprocessing it on the pool. */
  final long prepareMillis;

  float[] pixels; // null once encoded or when the features came from the cache
  ImageFeatures features;

  /** Time spent encoding it and prefilling its prefix, shared by all its tasks. */
  long encodeMillis;

  ImageInFlight(
      Job job, float[] pixels, ImageFeatures features, long preparedMillis, long prepareMillis) {
    this.job = job;
    this.pixels = pixels;
    this.features = features;
    this.preparedMillis = preparedMillis;
    this.prepareMillis = prepareMillis;
  }

  /** Whether a task of its job decodes (a caption or an answer), not only moderation. */
  boolean decodes() {
    return job.tasks().stream().anyMatch(t -> t.resolved() instanceof ResolvedTask.Generative);
  }
}
