package dev.glimpse.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;

/**
 * Turns an RGB image into CLIP {@code pixel_values}: (3, cropHeight, cropWidth) floats,
 * channel-major, equal to what transformers' {@code CLIPImageProcessor} returns.
 *
 * <p>Steps: (optional) LLaVA pad-to-square on the mean colour, resize so the shortest edge is
 * {@code size} (long edge {@code int(size * long / short)}, transformers' {@code
 * get_resize_output_image_size}) with an antialiased separable filter on uint8, center crop (top =
 * {@code int((h - cropH) / 2)}), rescale and normalize in float32.
 *
 * <p><b>Which backend.</b> transformers 5 makes the torchvision backend the default {@code
 * CLIPImageProcessor} ({@code image_processing_clip.py} extends {@code TorchvisionBackend}; the
 * Pillow one is {@code CLIPImageProcessorPil}). It resizes the uint8 tensor with {@code
 * torchvision.transforms.v2.functional.resize(antialias=True)}, which on CPU runs PyTorch's native
 * uint8 antialiased bicubic: Pillow's algorithm with int16 weights. The fixture {@code
 * llava-tiny-a} (transformers 5.17) is matched by {@link Backend#TORCHVISION}, the default: max abs
 * diff 0.0 on shapes.png, noise.png and photo.jpg. {@link Backend#PIL} reproduces the Pillow path
 * ({@code CLIPImageProcessorPil}, and transformers 4's slow processor); on the same fixture it is
 * one uint8 level (0.0150 after normalization) off on 10, 72 and 36 of 9408 values, because
 * Pillow's 22-bit weights round a few sums the other way.
 */
public final class ClipImageProcessor {

  /**
   * Which transformers backend to reproduce bit for bit. (torchvision on a CUDA device resizes in
   * float32 instead and is not reproduced here.)
   */
  public enum Backend {
    /** transformers 5 default on CPU: torchvision resize of uint8 (int16 fixed-point weights). */
    TORCHVISION,
    /**
     * {@code CLIPImageProcessorPil} / transformers 4: Pillow {@code Image.resize}, 22-bit weights.
     */
    PIL
  }

  private final ImageProcessorConfig config;
  private final Backend backend;
  private final float[] mean;
  private final float[] std;

  public ClipImageProcessor(ImageProcessorConfig config) {
    this(config, Backend.TORCHVISION);
  }

  public ClipImageProcessor(ImageProcessorConfig config, Backend backend) {
    this.config = config;
    this.backend = backend;
    this.mean = config.imageMean();
    this.std = config.imageStd();
  }

  public ImageProcessorConfig config() {
    return config;
  }

  public Backend backend() {
    return backend;
  }

  /** Height of {@link #preprocess}'s output, or -1 when it depends on the input image. */
  public int outputHeight() {
    if (config.doCenterCrop()) {
      return config.cropHeight();
    }
    if (config.doResize() && config.fixedResize()) {
      return config.resizeHeight();
    }
    return config.doResize() && config.padToSquare() ? config.shortestEdge() : -1;
  }

  /** Width of {@link #preprocess}'s output, or -1 when it depends on the input image. */
  public int outputWidth() {
    if (config.doCenterCrop()) {
      return config.cropWidth();
    }
    if (config.doResize() && config.fixedResize()) {
      return config.resizeWidth();
    }
    return config.doResize() && config.padToSquare() ? config.shortestEdge() : -1;
  }

  /**
   * Preprocesses one RGB image (use {@link ImageDecoder#decodeRgb}, which already applied
   * transformers' {@code convert_to_rgb}).
   *
   * @return {@code 3 * h * w} floats: all R rows, then G, then B
   */
  public float[] preprocess(BufferedImage rgb) {
    Planes p = Planes.of(rgb);
    // 1. LLaVA expand2square: centre on a square of the mean colour, int(mean * 255) per channel
    if (config.padToSquare()) {
      p = padToSquare(p);
    }
    // 2. resize the uint8 planes
    if (config.doResize()) {
      int[] size = resizeTarget(p.h, p.w);
      if (size[0] != p.h || size[1] != p.w) {
        int[][] resized = Resampler.resize(p.c, p.w, p.h, size[1], size[0], filter(), arithmetic());
        p = new Planes(resized, size[1], size[0]);
      }
    }
    // 3. center crop, zero-padding first when the crop is larger than the image
    if (config.doCenterCrop()) {
      p = centerCrop(p, config.cropHeight(), config.cropWidth());
    }
    // 4. rescale and normalize in float32
    return toFloats(p);
  }

  /** (height, width) after resizing, as transformers computes it. */
  int[] resizeTarget(int h, int w) {
    if (config.fixedResize()) {
      return new int[] {config.resizeHeight(), config.resizeWidth()};
    }
    int size = config.shortestEdge();
    // get_resize_output_image_size(default_to_square=False): the long edge is truncated
    int shortSide = Math.min(w, h);
    int longSide = Math.max(w, h);
    int newLong = (int) ((double) size * longSide / shortSide);
    return w <= h ? new int[] {newLong, size} : new int[] {size, newLong};
  }

  private Resampler.Filter filter() {
    return switch (config.resample()) {
      case ImageProcessorConfig.RESAMPLE_BILINEAR -> Resampler.Filter.BILINEAR;
      // transformers' torchvision backend replaces lanczos by bicubic (with a warning)
      case ImageProcessorConfig.RESAMPLE_LANCZOS ->
          backend == Backend.PIL ? Resampler.Filter.LANCZOS : Resampler.Filter.BICUBIC;
      default -> Resampler.Filter.BICUBIC;
    };
  }

  private Resampler.Arithmetic arithmetic() {
    return switch (backend) {
      case TORCHVISION -> Resampler.Arithmetic.TORCH_UINT8;
      case PIL -> Resampler.Arithmetic.PIL;
    };
  }

  private Planes padToSquare(Planes p) {
    if (p.w == p.h) {
      return p;
    }
    int side = Math.max(p.w, p.h);
    // PIL paste offsets: (side - short) // 2 on the short axis
    int left = (side - p.w) / 2;
    int top = (side - p.h) / 2;
    int[][] out = new int[3][side * side];
    for (int c = 0; c < 3; c++) {
      // int(x * 255) on the decimal value from the JSON, not on its float32 rounding
      Arrays.fill(out[c], (int) (Double.parseDouble(Float.toString(mean[c])) * 255.0));
      for (int y = 0; y < p.h; y++) {
        System.arraycopy(p.c[c], y * p.w, out[c], (y + top) * side + left, p.w);
      }
    }
    return new Planes(out, side, side);
  }

  private Planes centerCrop(Planes p, int cropH, int cropW) {
    int h = p.h;
    int w = p.w;
    // 1. when the crop is larger, the image is placed on zeros: torchvision pads (diff // 2)
    //    before, numpy's center_crop (Pillow backend) ceil(diff / 2)
    int padTop = 0;
    int padLeft = 0;
    if (cropH > h || cropW > w) {
      int dh = Math.max(0, cropH - h);
      int dw = Math.max(0, cropW - w);
      padTop = backend == Backend.PIL ? (dh + 1) / 2 : dh / 2;
      padLeft = backend == Backend.PIL ? (dw + 1) / 2 : dw / 2;
      h = Math.max(h, cropH);
      w = Math.max(w, cropW);
    }
    // 2. int((h - cropH) / 2.0), the same as floor division for non-negative sizes
    int top = (h - cropH) / 2;
    int left = (w - cropW) / 2;
    int[][] out = new int[3][cropH * cropW];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < cropH; y++) {
        int sy = top + y - padTop;
        if (sy < 0 || sy >= p.h) {
          continue;
        }
        for (int x = 0; x < cropW; x++) {
          int sx = left + x - padLeft;
          if (sx >= 0 && sx < p.w) {
            out[c][y * cropW + x] = p.c[c][sy * p.w + sx];
          }
        }
      }
    }
    return new Planes(out, cropW, cropH);
  }

  private float[] toFloats(Planes p) {
    int n = p.w * p.h;
    float[] out = new float[3 * n];
    float scale = (float) config.rescaleFactor();
    for (int c = 0; c < 3; c++) {
      float m = mean[c];
      float s = std[c];
      if (backend != Backend.PIL && config.doRescale() && config.doNormalize()) {
        // torchvision backend fuses rescale into normalize: mean/scale and std/scale in float32
        float inv = (float) (1.0 / config.rescaleFactor());
        m = m * inv;
        s = s * inv;
      }
      for (int i = 0; i < n; i++) {
        float v = p.c[c][i];
        if (backend == Backend.PIL) {
          // numpy: float64 multiply, cast to float32, then float32 (x - mean) / std
          if (config.doRescale()) {
            v = (float) (p.c[c][i] * config.rescaleFactor());
          }
          if (config.doNormalize()) {
            v = (v - m) / s;
          }
        } else if (config.doNormalize()) {
          v = (v - m) / s;
        } else if (config.doRescale()) {
          v = v * scale;
        }
        out[c * n + i] = v;
      }
    }
    return out;
  }

  /** Three uint8 planes (R, G, B) of {@code w * h} values. */
  private record Planes(int[][] c, int w, int h) {

    static Planes of(BufferedImage image) {
      int w = image.getWidth();
      int h = image.getHeight();
      int[] argb;
      if (image.getType() == BufferedImage.TYPE_INT_RGB
          && image.getRaster().getDataBuffer() instanceof DataBufferInt db
          && image.getRaster().getParent() == null
          && db.getData().length == w * h) {
        argb = db.getData();
      } else {
        argb = image.getRGB(0, 0, w, h, null, 0, w);
      }
      int[][] c = new int[3][w * h];
      for (int i = 0; i < argb.length; i++) {
        c[0][i] = (argb[i] >> 16) & 0xFF;
        c[1][i] = (argb[i] >> 8) & 0xFF;
        c[2][i] = argb[i] & 0xFF;
      }
      return new Planes(c, w, h);
    }
  }
}
