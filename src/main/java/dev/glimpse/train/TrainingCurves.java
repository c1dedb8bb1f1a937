package dev.glimpse.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The loss and accuracy curves of a training run as one PNG ({@value #FILE}, beside
 * train_report.json), drawn with plain Java2D: loss on a log scale on the left, accuracy from 0 to
 * 1 on the right, every stage one colour over its own steps (0 to 100 %), since the stages run for
 * very different numbers of steps.
 */
public final class TrainingCurves {

  public static final String FILE = "train_curves.png";
  public static final int WIDTH = 1200;
  public static final int HEIGHT = 520;

  /** The stage colours, in stage order (then repeated). */
  public static final List<Color> COLORS =
      List.of(
          new Color(0x1f77b4),
          new Color(0xd62728),
          new Color(0x2ca02c),
          new Color(0x9467bd),
          new Color(0xff7f0e),
          new Color(0x8c564b));

  private static final int MARGIN_LEFT = 70;
  private static final int MARGIN_TOP = 50;
  private static final int MARGIN_BOTTOM = 80;
  private static final int GAP = 90;

  /**
   * One stage's curves: the smoothed loss after each step, and the accuracy where it was measured.
   */
  public record Stage(String name, int steps, List<Point> loss, List<Point> accuracy) {
    public Stage {
      loss = List.copyOf(loss);
      accuracy = List.copyOf(accuracy);
    }
  }

  /** A value after {@code step} steps (counted from 1). */
  public record Point(int step, double value) {}

  private TrainingCurves() {}

  /** Draws the stages into an image of {@link #WIDTH} × {@link #HEIGHT}. */
  public static BufferedImage draw(List<Stage> stages) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      int panel = (WIDTH - MARGIN_LEFT - GAP - 30) / 2;
      int height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
      Scale loss =
          Scale.log(
              stages.stream().flatMap(s -> s.loss().stream()).mapToDouble(Point::value).toArray());
      panel(g, stages, true, MARGIN_LEFT, panel, height, "loss (smoothed, log scale)", loss);
      panel(
          g,
          stages,
          false,
          MARGIN_LEFT + panel + GAP,
          panel,
          height,
          "accuracy (training batch)",
          Scale.unit());
      legend(g, stages, MARGIN_LEFT, HEIGHT - 30);
    } finally {
      g.dispose();
    }
    return image;
  }

  /** Writes {@link #FILE} into {@code dir} and returns its path. */
  public static Path write(Path dir, List<Stage> stages) {
    Path file = dir.resolve(FILE);
    try {
      if (!ImageIO.write(draw(stages), "png", file.toFile())) {
        throw new IllegalStateException("this Java has no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  private static void panel(
      Graphics2D g,
      List<Stage> stages,
      boolean isLoss,
      int left,
      int width,
      int height,
      String title,
      Scale scale) {
    int bottom = MARGIN_TOP + height;
    g.setColor(Color.BLACK);
    g.drawString(title, left, MARGIN_TOP - 15);
    g.setColor(new Color(0xDDDDDD));
    for (double tick : scale.ticks()) {
      int y = bottom - (int) Math.round(scale.fraction(tick) * height);
      g.drawLine(left, y, left + width, y);
    }
    for (int p = 0; p <= 100; p += 25) {
      int x = left + width * p / 100;
      g.drawLine(x, MARGIN_TOP, x, bottom);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, MARGIN_TOP, width, height);
    for (double tick : scale.ticks()) {
      int y = bottom - (int) Math.round(scale.fraction(tick) * height);
      String label = scale.label(tick);
      g.drawString(label, left - 8 - g.getFontMetrics().stringWidth(label), y + 4);
    }
    for (int p = 0; p <= 100; p += 25) {
      String label = p + " %";
      g.drawString(
          label, left + width * p / 100 - g.getFontMetrics().stringWidth(label) / 2, bottom + 18);
    }
    g.drawString("share of the stage's steps", left + width / 2 - 70, bottom + 34);
    g.setStroke(new BasicStroke(2f));
    for (int i = 0; i < stages.size(); i++) {
      Stage stage = stages.get(i);
      List<Point> points = isLoss ? stage.loss() : stage.accuracy();
      Path2D.Double line = new Path2D.Double();
      boolean started = false;
      for (Point point : points) {
        if (!Double.isFinite(point.value()) || !scale.covers(point.value())) {
          continue;
        }
        double x = left + width * (point.step() / (double) Math.max(1, stage.steps()));
        double y = bottom - scale.fraction(point.value()) * height;
        if (started) {
          line.lineTo(x, y);
        } else {
          line.moveTo(x, y);
          started = true;
        }
      }
      g.setColor(COLORS.get(i % COLORS.size()));
      g.draw(line);
      if (points.size() == 1 && started) {
        g.fill(
            new Ellipse2D.Double(
                line.getCurrentPoint().getX() - 3, line.getCurrentPoint().getY() - 3, 6, 6));
      }
    }
    g.setStroke(new BasicStroke(1f));
  }

  private static void legend(Graphics2D g, List<Stage> stages, int left, int baseline) {
    int x = left;
    for (int i = 0; i < stages.size(); i++) {
      g.setColor(COLORS.get(i % COLORS.size()));
      g.fillRect(x, baseline - 10, 24, 10);
      g.setColor(Color.BLACK);
      String label = stages.get(i).name() + " (" + stages.get(i).steps() + " steps)";
      g.drawString(label, x + 30, baseline);
      x += 40 + g.getFontMetrics().stringWidth(label);
    }
  }

  /** A y axis: where a value sits between the panel's bottom (0) and top (1). */
  private record Scale(boolean log, double low, double high) {
    static Scale unit() {
      return new Scale(false, 0, 1);
    }

    /** Decades around the positive values (one decade when there are none). */
    static Scale log(double[] values) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (double v : values) {
        if (v > 0 && Double.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      if (min > max) {
        return new Scale(true, -1, 0);
      }
      double low = Math.floor(Math.log10(min));
      double high = Math.ceil(Math.log10(max));
      return new Scale(true, low, high > low ? high : low + 1);
    }

    boolean covers(double v) {
      return !log || v > 0;
    }

    double fraction(double v) {
      double at = log ? Math.log10(v) : v;
      return Math.max(0, Math.min(1, (at - low) / (high - low)));
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      if (log) {
        for (double e = low; e <= high; e++) {
          ticks.add(Math.pow(10, e));
        }
      } else {
        for (int i = 0; i <= 4; i++) {
          ticks.add(i / 4.0);
        }
      }
      return ticks;
    }

    String label(double tick) {
      return log
          ? (tick >= 1
              ? String.format(Locale.ROOT, "%.0f", tick)
              : String.format(Locale.ROOT, "%s", (float) tick))
          : String.format(Locale.ROOT, "%.2f", tick);
    }
  }
}
