package dev.glimpse.cli;

/** How the benchmarks write a measured figure into their JSON: to two decimals. */
final class Figures {
  private Figures() {}

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
