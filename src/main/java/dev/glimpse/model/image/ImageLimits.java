package dev.glimpse.model.image;

/**
 * Upper bounds checked before an image is decoded, so a hostile or broken upload cannot exhaust
 * memory.
 *
 * @param maxBytes largest accepted encoded size in bytes
 * @param maxPixels largest accepted width * height, read from the header before decoding
 */
public record ImageLimits(long maxBytes, long maxPixels) {

  /** 20 MiB of encoded bytes, 40 megapixels (a decoded RGB image of at most 160 MB). */
  public static final long DEFAULT_MAX_BYTES = 20L << 20;

  public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

  public ImageLimits {
    if (maxBytes <= 0 || maxPixels <= 0) {
      throw new IllegalArgumentException(
          "image limits must be positive, got maxBytes=" + maxBytes + " maxPixels=" + maxPixels);
    }
  }

  public static ImageLimits defaults() {
    return new ImageLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS);
  }
}
