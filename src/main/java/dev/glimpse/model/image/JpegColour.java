package dev.glimpse.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;

/**
 * Turns the raw components of a JPEG (as the decoder stores them, before any colour conversion)
 * into the RGB that Pillow gives for {@code Image.open(f).convert("RGB")}.
 *
 * <p>Pillow leaves the colour space to libjpeg's guess ({@code jdapimin.c}): 1 component is gray; 3
 * are YCbCr, unless there is no JFIF marker and an Adobe APP14 says transform 0 or the component
 * ids spell R, G, B; 4 are YCCK when an Adobe APP14 says a transform other than 0, CMYK otherwise.
 * libjpeg converts YCbCr to RGB and YCCK to CMYK with its integer tables ({@code jdcolor.c});
 * Pillow then reads CMYK inverted ({@code "CMYK;I"}, Adobe's convention, for every 4-component
 * JPEG) and {@code convert("RGB")} applies {@code cmyk2rgb}: R = 255 - K - C (255 - K) / 255, with
 * Pillow's rounding. No ICC profile is applied anywhere on that path, so none is applied here.
 */
final class JpegColour {

  private static final int SCALE_BITS = 16;
  private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
  private static final int[] CR_R = new int[256];
  private static final int[] CB_B = new int[256];
  private static final int[] CR_G = new int[256];
  private static final int[] CB_G = new int[256];

  static {
    // libjpeg's build_ycc_rgb_table, 8-bit samples
    for (int i = 0; i < 256; i++) {
      int x = i - 128;
      CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
      CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
      CR_G[i] = -fix(0.71414) * x;
      CB_G[i] = -fix(0.34414) * x + ONE_HALF;
    }
  }

  /** The colour space libjpeg assumes for the stored components. */
  enum Space {
    GRAY,
    RGB,
    YCBCR,
    CMYK,
    YCCK
  }

  private JpegColour() {}

  static Space guess(JpegMarkers markers) {
    if (markers.precision() != 8) {
      // Pillow's SOF handler: "cannot handle %d-bit layers"
      throw new ImageException(
          ImageException.Code.UNSUPPORTED_FORMAT,
          "this JPEG has "
              + markers.precision()
              + "-bit samples; only 8-bit JPEGs are accepted: convert it to an 8-bit JPEG or PNG");
    }
    int[] ids = markers.componentIds();
    return switch (ids.length) {
      case 1 -> Space.GRAY;
      case 3 -> {
        if (markers.jfif()) {
          yield Space.YCBCR;
        }
        if (markers.adobeTransform() >= 0) {
          yield markers.adobeTransform() == 0 ? Space.RGB : Space.YCBCR;
        }
        yield ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B' ? Space.RGB : Space.YCBCR;
      }
      case 4 -> markers.adobeTransform() > 0 ? Space.YCCK : Space.CMYK;
      default ->
          throw new ImageException(
              ImageException.Code.UNSUPPORTED_FORMAT,
              "this JPEG has "
                  + ids.length
                  + " colour components; only gray (1), colour (3) and CMYK (4) JPEGs are"
                  + " accepted: convert it to an RGB JPEG or PNG");
    };
  }

  /** The RGB image of raw samples {@code raster} stored in colour space {@code space}. */
  static BufferedImage toRgb(Raster raster, Space space) {
    int expectedBands =
        switch (space) {
          case GRAY -> 1;
          case RGB, YCBCR -> 3;
          case CMYK, YCCK -> 4;
        };
    if (raster.getNumBands() != expectedBands || raster.getSampleModel().getSampleSize(0) != 8) {
      throw new ImageException(
          ImageException.Code.CORRUPT,
          "the JPEG image decodes to "
              + raster.getNumBands()
              + " components of "
              + raster.getSampleModel().getSampleSize(0)
              + " bits where its frame header declares "
              + expectedBands
              + " of 8: re-encode the image");
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
    int bands = raster.getNumBands();
    int[] row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int i = x * bands;
        dst[y * w + x] =
            switch (space) {
              case GRAY -> row[i] * 0x010101;
              case RGB -> row[i] << 16 | row[i + 1] << 8 | row[i + 2];
              case YCBCR -> yccToRgb(row[i], row[i + 1], row[i + 2]);
              case CMYK ->
                  cmykToRgb(255 - row[i], 255 - row[i + 1], 255 - row[i + 2], 255 - row[i + 3]);
              case YCCK -> {
                // libjpeg: C = 255 - R(YCC), K kept; Pillow's "CMYK;I" inverts both back
                int rgb = yccToRgb(row[i], row[i + 1], row[i + 2]);
                yield cmykToRgb(rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF, 255 - row[i + 3]);
              }
            };
      }
    }
    return out;
  }

  /** libjpeg's ycc_rgb_convert for one pixel, packed 0xRRGGBB. */
  static int yccToRgb(int y, int cb, int cr) {
    int r = clamp(y + CR_R[cr]);
    int g = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
    int b = clamp(y + CB_B[cb]);
    return r << 16 | g << 8 | b;
  }

  /** Pillow's cmyk2rgb for one pixel (C, M, Y, K as Pillow holds them), packed 0xRRGGBB. */
  static int cmykToRgb(int c, int m, int y, int k) {
    int nk = 255 - k;
    return clamp(nk - mulDiv255(c, nk)) << 16
        | clamp(nk - mulDiv255(m, nk)) << 8
        | clamp(nk - mulDiv255(y, nk));
  }

  /** Pillow's MULDIV255: a * b / 255, rounded, in integers. */
  private static int mulDiv255(int a, int b) {
    int tmp = a * b + 128;
    return ((tmp >> 8) + tmp) >> 8;
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : Math.min(v, 255);
  }

  private static int fix(double x) {
    return (int) (x * (1L << SCALE_BITS) + 0.5);
  }
}
