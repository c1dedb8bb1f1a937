package dev.glimpse.train.shapes;

import java.util.Optional;

/**
 * Where a shape lies in the image: the answer to a {@link QuestionType#POSITION} question.
 *
 * <p>The rule, with (dx, dy) the offset of the shape's centre from the image centre in image-side
 * fractions (y grows downwards) and m = max(|dx|, |dy|):
 *
 * <ul>
 *   <li>{@link #CENTER} when m &lt; {@link #CENTER_RADIUS};
 *   <li>otherwise the side the offset points to along its dominant axis: {@link #LEFT} or {@link
 *       #RIGHT} when |dx| &gt; |dy|, else {@link #TOP} or {@link #BOTTOM}.
 * </ul>
 *
 * <p>Near a boundary of that rule a shape has no clear region: when m lies within {@link #MARGIN}
 * of the centre radius, or |dx| and |dy| differ by less than {@link #MARGIN} (near a diagonal). Such
 * shapes are never asked about, because an answer the picture does not decide only teaches noise.
 */
public enum Region {
  LEFT("left"),
  RIGHT("right"),
  TOP("top"),
  BOTTOM("bottom"),
  CENTER("center");

  /** Offsets closer than this to the image centre are {@link #CENTER}. */
  public static final double CENTER_RADIUS = 0.1;

  /** Width of the no-answer band around every boundary; more than twice the position jitter. */
  public static final double MARGIN = 0.06;

  private final String word;

  Region(String word) {
    this.word = word;
  }

  public String word() {
    return word;
  }

  /** The region of the shape when it is clear, else empty (see the class comment). */
  public static Optional<Region> of(Shape shape) {
    double dx = shape.x() - 0.5;
    double dy = shape.y() - 0.5;
    double m = Math.max(Math.abs(dx), Math.abs(dy));
    if (m < CENTER_RADIUS) {
      return Optional.of(CENTER);
    }
    if (m < CENTER_RADIUS + MARGIN) {
      return Optional.empty();
    }
    if (Math.abs(Math.abs(dx) - Math.abs(dy)) < MARGIN) {
      return Optional.empty();
    }
    if (Math.abs(dx) > Math.abs(dy)) {
      return Optional.of(dx < 0 ? LEFT : RIGHT);
    }
    return Optional.of(dy < 0 ? TOP : BOTTOM);
  }
}
