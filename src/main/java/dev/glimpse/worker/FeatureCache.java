package dev.glimpse.worker;

import dev.glimpse.model.ImageFeatures;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Projected image features of recently seen images, least recently used first out, bounded in
 * bytes. Keyed by model id and image hash: the model id covers the checkpoint and its
 * preprocessing, so a key never names features another model or another preprocessing made. A hit
 * skips decoding, preprocessing and the vision tower. Used by the model thread only.
 */
final class FeatureCache {
  private final long maxBytes;
  private final LinkedHashMap<String, ImageFeatures> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  FeatureCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  static String key(String modelId, String imageSha256) {
    return modelId + ":" + imageSha256;
  }

  /** The features, or null (the scheduler counts hits and misses in its meters). */
  ImageFeatures get(String key) {
    return entries.get(key);
  }

  void put(String key, ImageFeatures features) {
    if (features.bytes() > maxBytes) {
      return;
    }
    ImageFeatures old = entries.put(key, features);
    bytes += features.bytes() - (old == null ? 0 : old.bytes());
    var eldest = entries.entrySet().iterator();
    while (bytes > maxBytes && eldest.hasNext()) {
      Map.Entry<String, ImageFeatures> e = eldest.next();
      bytes -= e.getValue().bytes();
      eldest.remove();
    }
  }
}
