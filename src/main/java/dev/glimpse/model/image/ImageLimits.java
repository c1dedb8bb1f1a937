package dev.glimpse.model.image;

/**
 * Limits applied before an image is decoded.
 *
 * <p>Minimal copy for the kafka branch; the image engineer's version replaces it on merge.
 */
public record ImageLimits(long maxBytes, long maxPixels) {
  public ImageLimits {
    if (maxBytes <= 0 || maxPixels <= 0) {
      throw new IllegalArgumentException(
          "image limits must be positive, got maxBytes=" + maxBytes + ", maxPixels=" + maxPixels);
    }
  }

  public static ImageLimits defaults() {
    return new ImageLimits(20L * 1024 * 1024, 50_000_000L);
  }
}
