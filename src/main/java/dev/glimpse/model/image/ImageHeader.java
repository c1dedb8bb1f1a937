package dev.glimpse.model.image;

/**
 * What an image header declares, read without decoding any pixel.
 *
 * @param format one of "png", "jpeg", "webp", "gif"
 * @param width stored width in pixels (before any EXIF rotation)
 * @param height stored height in pixels (before any EXIF rotation)
 */
public record ImageHeader(String format, int width, int height) {

  public long pixels() {
    return (long) width * height;
  }
}
