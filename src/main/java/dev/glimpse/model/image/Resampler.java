package dev.glimpse.model.image;

/**
 * Separable antialiased resize of 8-bit planes: a horizontal pass, then a vertical pass, each
 * skipped when that dimension keeps its size. When shrinking, the filter support is stretched by
 * the downscale factor (antialiasing), as in Pillow's {@code libImaging/Resample.c} and in
 * PyTorch's {@code _upsample_bicubic2d_aa}, which both implement the same algorithm and differ only
 * in their arithmetic (see {@link Arithmetic}).
 */
final class Resampler {

  /**
   * Interpolation kernels; bicubic uses a = -0.5 (Keys), as both Pillow and PyTorch's aa path do.
   */
  enum Filter {
    BILINEAR(1.0),
    BICUBIC(2.0),
    /**
     * Pillow only: PyTorch has no antialiased lanczos, transformers falls back to bicubic there.
     */
    LANCZOS(3.0);

    final double support;

    Filter(double support) {
      this.support = support;
    }
  }

  /** How the weighted sums are computed and rounded. */
  enum Arithmetic {
    /**
     * Pillow {@code Image.resize}: double weights quantized to 22 fractional bits, uint8 clamp
     * after each pass.
     */
    PIL,
    /**
     * PyTorch CPU {@code interpolate(uint8, antialias=True)} (what torchvision's {@code resize}
     * runs for uint8 bicubic on CPU): weights quantized to int16 with the largest precision that
     * keeps the biggest weight below 2^15, uint8 clamp after each pass.
     */
    TORCH_UINT8
  }

  private static final int PIL_PRECISION_BITS = 32 - 8 - 2;

  private Resampler() {}

  /**
   * Resizes {@code planes} (each {@code inW * inH} values in 0..255, row-major) to {@code outW x
   * outH}.
   */
  static int[][] resize(
      int[][] planes, int inW, int inH, int outW, int outH, Filter filter, Arithmetic arithmetic) {
    int[][] out = new int[planes.length][];
    Fixed horizontal = quantize(weights(inW, outW, filter, arithmetic), arithmetic);
    Fixed vertical = quantize(weights(inH, outH, filter, arithmetic), arithmetic);
    for (int c = 0; c < planes.length; c++) {
      int[] p = planes[c];
      if (outW != inW) {
        p = horizontalFixed(p, inW, inH, outW, horizontal);
      }
      if (outH != inH) {
        p = verticalFixed(p, outW, inH, outH, vertical);
      }
      out[c] = p == planes[c] ? p.clone() : p;
    }
    return out;
  }

  /** Per output index: the first input index, how many inputs, and their normalized weights. */
  private record Weights(int[] start, int[] count, double[] w, int stride) {}

  /** The same weights as integers with {@code precision} fractional bits. */
  private record Fixed(int[] start, int[] count, int[] w, int stride, int precision) {}

  private static Weights weights(int inSize, int outSize, Filter filter, Arithmetic arithmetic) {
    // 1. the support grows with the downscale factor, which is what antialiases a shrink
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = filter.support * filterScale;
    int stride = (int) Math.ceil(support) * 2 + 1;
    int[] start = new int[outSize];
    int[] count = new int[outSize];
    double[] w = new double[outSize * stride];
    double invScale = 1.0 / filterScale;
    for (int xx = 0; xx < outSize; xx++) {
      // 2. the input window around this output pixel's centre, clipped to the image
      double center = (xx + 0.5) * scale;
      int xmin = Math.max((int) (center - support + 0.5), 0);
      int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
      xmax = Math.max(0, Math.min(xmax, stride));
      // 3. kernel values, normalized to sum to one
      double total = 0;
      for (int x = 0; x < xmax; x++) {
        double v = kernel(filter, (x + xmin - center + 0.5) * invScale, arithmetic);
        w[xx * stride + x] = v;
        total += v;
      }
      if (total != 0) {
        for (int x = 0; x < xmax; x++) {
          w[xx * stride + x] /= total;
        }
      }
      start[xx] = xmin;
      count[xx] = xmax;
    }
    return new Weights(start, count, w, stride);
  }

  private static double kernel(Filter filter, double x, Arithmetic arithmetic) {
    double a = -0.5;
    x = Math.abs(x);
    if (filter == Filter.BILINEAR) {
      return x < 1.0 ? 1.0 - x : 0.0;
    }
    if (filter == Filter.LANCZOS) {
      return x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
    }
    if (x < 1.0) {
      return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      // the two libraries group the same polynomial differently; keep each one's rounding
      return arithmetic == Arithmetic.PIL
          ? (((x - 5) * x + 8) * x - 4) * a
          : ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
    return 0.0;
  }

  private static Fixed quantize(Weights weights, Arithmetic arithmetic) {
    // 1. pick the fractional bits: Pillow fixes 22, PyTorch fits the largest weight into int16
    int precision;
    if (arithmetic == Arithmetic.PIL) {
      precision = PIL_PRECISION_BITS;
    } else {
      double max = 0;
      for (double v : weights.w()) {
        max = Math.max(max, v);
      }
      for (precision = 0; precision < 22; precision++) {
        int next = (int) (0.5 + max * (1 << (precision + 1)));
        if (next >= (1 << 15)) {
          break;
        }
      }
    }
    // 2. round half away from zero, as both do
    int[] w = new int[weights.w().length];
    for (int i = 0; i < w.length; i++) {
      double v = weights.w()[i] * (1 << precision);
      w[i] = v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v);
    }
    return new Fixed(weights.start(), weights.count(), w, weights.stride(), precision);
  }

  private static int[] horizontalFixed(int[] in, int inW, int h, int outW, Fixed f) {
    int[] out = new int[outW * h];
    int half = 1 << (f.precision() - 1);
    for (int y = 0; y < h; y++) {
      int row = y * inW;
      for (int xx = 0; xx < outW; xx++) {
        int base = xx * f.stride();
        int first = row + f.start()[xx];
        int sum = half;
        for (int k = 0; k < f.count()[xx]; k++) {
          sum += in[first + k] * f.w()[base + k];
        }
        out[y * outW + xx] = clamp8(sum >> f.precision());
      }
    }
    return out;
  }

  private static int[] verticalFixed(int[] in, int w, int inH, int outH, Fixed f) {
    int[] out = new int[w * outH];
    int half = 1 << (f.precision() - 1);
    for (int yy = 0; yy < outH; yy++) {
      int base = yy * f.stride();
      int first = f.start()[yy];
      int count = f.count()[yy];
      for (int x = 0; x < w; x++) {
        int sum = half;
        for (int k = 0; k < count; k++) {
          sum += in[(first + k) * w + x] * f.w()[base + k];
        }
        out[yy * w + x] = clamp8(sum >> f.precision());
      }
    }
    return out;
  }

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    x = x * Math.PI;
    return Math.sin(x) / x;
  }

  private static int clamp8(int v) {
    return v < 0 ? 0 : Math.min(v, 255);
  }
}
