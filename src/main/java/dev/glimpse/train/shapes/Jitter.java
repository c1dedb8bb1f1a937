package dev.glimpse.train.shapes;

/**
 * How far the renderer may perturb a scene when drawing it, for training robustness. Every
 * perturbation is small enough that no answer about the scene changes and no two shapes touch:
 * positions move less than half of {@link SceneGenerator#RELATION_MARGIN} and {@link
 * Region#MARGIN}, the layout's {@link SceneGenerator#GAP} absorbs the largest moves and growths
 * allowed here, sizes stay well apart, and hues stay within their colour name.
 *
 * @param position largest shift of a centre along each axis, as a fraction of the image side
 * @param size largest relative change of a radius (0.06 means +-6%)
 * @param hue largest hue rotation, as a fraction of the colour wheel
 * @param rotationDegrees largest rotation of a non-circular shape
 */
public record Jitter(double position, double size, double hue, double rotationDegrees) {

  /** The largest position jitter any scene layout allows for (see {@link SceneGenerator#GAP}). */
  public static final double MAX_POSITION = 0.01;

  /** The largest size jitter any scene layout allows for (see {@link SceneGenerator#GAP}). */
  public static final double MAX_SIZE = 0.05;

  /** Draw scenes exactly as described. */
  public static final Jitter NONE = new Jitter(0, 0, 0, 0);

  /** The training default. */
  public static final Jitter MILD = new Jitter(0.01, 0.05, 0.01, 8);

  public Jitter {
    if (position < 0 || position > MAX_POSITION) {
      throw new IllegalArgumentException(
          "position jitter must be in [0, " + MAX_POSITION + "]: " + position);
    }
    if (size < 0 || size > MAX_SIZE) {
      throw new IllegalArgumentException("size jitter must be in [0, " + MAX_SIZE + "]: " + size);
    }
    if (hue < 0 || hue > 0.03) {
      throw new IllegalArgumentException("hue jitter must be in [0, 0.03]: " + hue);
    }
    if (rotationDegrees < 0 || rotationDegrees > 15) {
      throw new IllegalArgumentException("rotation jitter must be in [0, 15]: " + rotationDegrees);
    }
  }
}
