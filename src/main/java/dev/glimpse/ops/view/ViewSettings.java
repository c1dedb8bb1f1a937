package dev.glimpse.ops.view;

import java.util.Map;

/**
 * What bounds the live view's memory: it keeps the last {@code maxCards} events, each with one
 * thumbnail of at most {@code thumbnailSize} pixels a side (a PNG of a few tens of KiB), and
 * decodes no image whose header claims more than {@code maxPixels} (the decoded copy is transient,
 * 4 bytes a pixel).
 *
 * @param maxCards events kept, older ones drop out of the page ({@value #MAX_CARDS})
 * @param thumbnailSize longest side of a thumbnail in pixels ({@value #THUMBNAIL_SIZE})
 * @param maxPixels largest image the view decodes for a thumbnail ({@value #MAX_PIXELS})
 */
public record ViewSettings(int maxCards, int thumbnailSize, long maxPixels) {
  public static final String MAX_CARDS = "glimpse.view.max.cards";
  public static final String THUMBNAIL_SIZE = "glimpse.view.thumbnail.size";
  public static final String MAX_PIXELS = "glimpse.view.max.pixels";

  public ViewSettings {
    require(maxCards >= 1 && maxCards <= 10_000, MAX_CARDS, maxCards, "between 1 and 10000");
    require(
        thumbnailSize >= 16 && thumbnailSize <= 1024,
        THUMBNAIL_SIZE,
        thumbnailSize,
        "between 16 and 1024");
    require(maxPixels >= 1, MAX_PIXELS, maxPixels, "at least 1");
  }

  /** 100 cards of 192-pixel thumbnails: a few MiB at most. */
  public static ViewSettings defaults() {
    return new ViewSettings(100, 192, 16_000_000L);
  }

  /** The {@code glimpse.view.*} settings, defaults for the ones not given. */
  public static ViewSettings from(Map<String, String> settings) {
    ViewSettings d = defaults();
    return new ViewSettings(
        (int) number(settings, MAX_CARDS, d.maxCards()),
        (int) number(settings, THUMBNAIL_SIZE, d.thumbnailSize()),
        number(settings, MAX_PIXELS, d.maxPixels()));
  }

  private static long number(Map<String, String> settings, String key, long fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new ViewException(
          ViewException.Code.BAD_VIEW_SETTING,
          key + " is '" + value + "'; give a whole number (default " + fallback + ")");
    }
  }

  private static void require(boolean ok, String key, long value, String range) {
    if (!ok) {
      throw new ViewException(
          ViewException.Code.BAD_VIEW_SETTING, key + " is " + value + "; it must be " + range);
    }
  }
}
