package dev.glimpse.train.shapes;

import java.util.Optional;

/**
 * Where a shape lies in the image: the answer to a {@link QuestionType#POSITION} question.
 *
 * <p>The rule, with (dx, dy) the offset of the shape's centre from the image centre in image-side
 * fractions (y grows downwards) and m = max(|dx|, |dy|), is {@link #containing}:
 *
 * <ul>
 *   <li>{@link #CENTER} when m &lt; {@link #CENTER_RADIUS};
 *   <li>otherwise the side the offset points to along its dominant axis: {@link #LEFT} or {@link
 *       #RIGHT} when |dx| &gt; |dy|, else {@link #TOP} or {@link #BOTTOM}.
 * </ul>
 *
 * <p>Near a boundary of that rule a shape has no clear region ({@link #of} is empty): when m lies
 * within {@link #MARGIN}/2 of the centre radius, or |dx| and |dy| differ by less than {@link
 * #MARGIN} (near a diagonal). Such shapes are never asked about, because an answer the picture does
 * not decide only teaches noise. The margins are at least three times what the renderer's position
 * jitter ({@link Jitter#MAX_POSITION}) can move a shape, so a clear region stays the region of the
 * shape as drawn.
 */
public enum Region {
  LEFT("left"),
  RIGHT("right"),
  TOP("top"),
  BOTTOM("bottom"),
  CENTER("center");

  /** Offsets closer than this to the image centre (along both axes) are {@link #CENTER}. */
  public static final double CENTER_RADIUS = 0.12;

  /** Width of the no-answer bands around the rule's boundaries (see the class comment). */
  public static final double MARGIN = 0.06;

  private final String word;

  Region(String word) {
    this.word = word;
  }

  public String word() {
    return word;
  }

  /** The region a point lies in by the bare rule, boundaries included (see the class comment). */
  public static Region containing(double x, double y) {
    double dx = x - 0.5;
    double dy = y - 0.5;
    if (Math.max(Math.abs(dx), Math.abs(dy)) < CENTER_RADIUS) {
      return CENTER;
    }
    if (Math.abs(dx) > Math.abs(dy)) {
      return dx < 0 ? LEFT : RIGHT;
    }
    return dy < 0 ? TOP : BOTTOM;
  }

  /** The region of the shape when it is clear, else empty (see the class comment). */
  public static Optional<Region> of(Shape shape) {
    double dx = shape.x() - 0.5;
    double dy = shape.y() - 0.5;
    double m = Math.max(Math.abs(dx), Math.abs(dy));
    if (Math.abs(m - CENTER_RADIUS) < MARGIN / 2) {
      return Optional.empty();
    }
    if (m >= CENTER_RADIUS && Math.abs(Math.abs(dx) - Math.abs(dy)) < MARGIN) {
      return Optional.empty();
    }
    return Optional.of(containing(shape.x(), shape.y()));
  }
}
