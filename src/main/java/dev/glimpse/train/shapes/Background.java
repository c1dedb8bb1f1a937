package dev.glimpse.train.shapes;

/**
 * A plain light background with a slight vertical gradient and per-pixel noise, so the vision tower
 * sees backgrounds vary without ever confusing them with a shape: every background colour is bright
 * and nearly grey, every shape colour saturated.
 *
 * @param topRgb colour at the top edge, {@code 0xRRGGBB}
 * @param bottomRgb colour at the bottom edge, {@code 0xRRGGBB}
 * @param noise amplitude of uniform per-channel pixel noise, in 8-bit levels (0 for none)
 */
public record Background(int topRgb, int bottomRgb, int noise) {

  public Background {
    if (noise < 0 || noise > 16) {
      throw new IllegalArgumentException("noise must be in [0, 16]: " + noise);
    }
  }

  /** A flat near-white background, handy in tests. */
  public static Background plain() {
    return new Background(0xF0F0F0, 0xF0F0F0, 0);
  }
}
