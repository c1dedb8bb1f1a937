package dev.glimpse;

/** Reference values computed by hand, in double precision, for tests to compare against. */
public final class HandComputed {

  private HandComputed() {}

  /** {@code log softmax(values[offset .. offset + vocab))[id]}. */
  public static double logSoftmax(float[] values, int offset, int vocab, int id) {
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, values[offset + v]);
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      sum += Math.exp(values[offset + v] - max);
    }
    return values[offset + id] - max - Math.log(sum);
  }
}
