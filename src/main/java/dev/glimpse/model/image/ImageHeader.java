package dev.glimpse.model.image;

/**
 * What an image header declares, read without decoding any pixel.
 *
 * @param format one of "png", "jpeg", "webp", "gif"
 * @param width stored width in pixels (before any EXIF rotation; a GIF's logical screen, grown to
 *     hold its first frame, as Pillow sizes it)
 * @param height stored height in pixels (before any EXIF rotation; for a GIF as the width)
 */
public record ImageHeader(String format, int width, int height) {

  public long pixels() {
    return (long) width * height;
  }
}
