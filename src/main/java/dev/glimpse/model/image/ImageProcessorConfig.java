package dev.glimpse.model.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The settings of a Hugging Face {@code CLIPImageProcessor}, read from {@code
 * preprocessor_config.json}.
 *
 * <p>The resize target is either a shortest edge ({@code shortestEdge > 0}, {@code resizeHeight ==
 * resizeWidth == 0}: the short side becomes {@code shortestEdge}, the long side keeps the aspect
 * ratio) or a fixed size ({@code resizeHeight, resizeWidth > 0}, from {@code "size": {"height": h,
 * "width": w}}).
 *
 * @param padToSquare LLaVA's {@code image_aspect_ratio: "pad"}: paste the image centred on a square
 *     canvas of the mean colour before resizing. Not part of preprocessor_config.json; set it with
 *     {@link #withPadToSquare(boolean)}.
 */
public record ImageProcessorConfig(
    boolean doResize,
    int shortestEdge,
    int resample,
    boolean doCenterCrop,
    int cropHeight,
    int cropWidth,
    boolean doRescale,
    double rescaleFactor,
    boolean doNormalize,
    float[] imageMean,
    float[] imageStd,
    boolean doConvertRgb,
    boolean padToSquare,
    int resizeHeight,
    int resizeWidth) {

  /** transformers' {@code OPENAI_CLIP_MEAN}. */
  public static final float[] OPENAI_CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};

  /** transformers' {@code OPENAI_CLIP_STD}. */
  public static final float[] OPENAI_CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

  /** Pillow's resample codes that this processor implements. */
  public static final int RESAMPLE_LANCZOS = 1;

  public static final int RESAMPLE_BILINEAR = 2;
  public static final int RESAMPLE_BICUBIC = 3;

  private static final ObjectMapper JSON = new ObjectMapper();

  public ImageProcessorConfig {
    imageMean = imageMean.clone();
    imageStd = imageStd.clone();
    if (imageMean.length != 3 || imageStd.length != 3) {
      throw new IllegalArgumentException("image_mean and image_std need 3 values (R, G, B)");
    }
    boolean fixedSize = resizeHeight > 0 && resizeWidth > 0;
    if (doResize && !fixedSize && shortestEdge <= 0) {
      throw new IllegalArgumentException("resize needs shortestEdge > 0 or resizeHeight/Width > 0");
    }
    if (doCenterCrop && (cropHeight <= 0 || cropWidth <= 0)) {
      throw new IllegalArgumentException("center crop needs cropHeight and cropWidth > 0");
    }
  }

  /** A shortest-edge configuration (the form LLaVA and CLIP checkpoints use). */
  public ImageProcessorConfig(
      boolean doResize,
      int shortestEdge,
      int resample,
      boolean doCenterCrop,
      int cropHeight,
      int cropWidth,
      boolean doRescale,
      double rescaleFactor,
      boolean doNormalize,
      float[] imageMean,
      float[] imageStd,
      boolean doConvertRgb,
      boolean padToSquare) {
    this(
        doResize,
        shortestEdge,
        resample,
        doCenterCrop,
        cropHeight,
        cropWidth,
        doRescale,
        rescaleFactor,
        doNormalize,
        imageMean,
        imageStd,
        doConvertRgb,
        padToSquare,
        0,
        0);
  }

  /** CLIPImageProcessor's defaults. */
  public static ImageProcessorConfig clipDefaults() {
    return clipDefaults(224);
  }

  /**
   * CLIPImageProcessor's defaults at another resolution: shortest edge and square crop {@code
   * size}.
   */
  public static ImageProcessorConfig clipDefaults(int size) {
    return new ImageProcessorConfig(
        true,
        size,
        RESAMPLE_BICUBIC,
        true,
        size,
        size,
        true,
        1 / 255.0,
        true,
        OPENAI_CLIP_MEAN,
        OPENAI_CLIP_STD,
        true,
        false);
  }

  /**
   * Reads {@code preprocessor_config.json}; a missing field takes CLIPImageProcessor's default.
   *
   * @throws CheckpointException MISSING_FILE or BAD_CONFIG
   */
  public static ImageProcessorConfig read(Path preprocessorConfigJson) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(preprocessorConfigJson));
    } catch (NoSuchFileException e) {
      throw new CheckpointException(
          CheckpointException.Code.MISSING_FILE,
          preprocessorConfigJson
              + " does not exist; copy preprocessor_config.json from the model repository");
    } catch (IOException e) {
      throw bad(preprocessorConfigJson, "is not readable JSON (" + e.getMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw bad(preprocessorConfigJson, "must be a JSON object");
    }
    ImageProcessorConfig d = clipDefaults();
    // 1. size: an int or {"shortest_edge": n} (shortest edge), or {"height": h, "width": w}
    int shortestEdge = d.shortestEdge();
    int resizeHeight = 0;
    int resizeWidth = 0;
    JsonNode size = root.get("size");
    if (size != null && !size.isNull()) {
      if (size.isInt()) {
        shortestEdge = size.asInt();
      } else if (size.has("shortest_edge") && !size.has("longest_edge")) {
        shortestEdge =
            positive(preprocessorConfigJson, "size.shortest_edge", size.get("shortest_edge"));
      } else if (size.has("height") && size.has("width")) {
        resizeHeight = positive(preprocessorConfigJson, "size.height", size.get("height"));
        resizeWidth = positive(preprocessorConfigJson, "size.width", size.get("width"));
      } else {
        throw bad(
            preprocessorConfigJson,
            "has size "
                + size
                + "; supported are an integer, {\"shortest_edge\": n} or {\"height\": h, \"width\": w}");
      }
    }
    // 2. crop_size: an int (square) or {"height": h, "width": w}
    int cropHeight = d.cropHeight();
    int cropWidth = d.cropWidth();
    JsonNode crop = root.get("crop_size");
    if (crop != null && !crop.isNull()) {
      if (crop.isInt()) {
        cropHeight = crop.asInt();
        cropWidth = crop.asInt();
      } else if (crop.has("height") && crop.has("width")) {
        cropHeight = positive(preprocessorConfigJson, "crop_size.height", crop.get("height"));
        cropWidth = positive(preprocessorConfigJson, "crop_size.width", crop.get("width"));
      } else {
        throw bad(
            preprocessorConfigJson,
            "has crop_size " + crop + "; expected an integer or {\"height\": h, \"width\": w}");
      }
    }
    // 3. resample: the Pillow code; the ones implemented here are bilinear, bicubic, lanczos
    int resample = root.path("resample").asInt(d.resample());
    if (resample != RESAMPLE_BICUBIC
        && resample != RESAMPLE_BILINEAR
        && resample != RESAMPLE_LANCZOS) {
      throw bad(
          preprocessorConfigJson,
          "has resample " + resample + "; supported are 1 (lanczos), 2 (bilinear), 3 (bicubic)");
    }
    try {
      return new ImageProcessorConfig(
          root.path("do_resize").asBoolean(d.doResize()),
          shortestEdge,
          resample,
          root.path("do_center_crop").asBoolean(d.doCenterCrop()),
          cropHeight,
          cropWidth,
          root.path("do_rescale").asBoolean(d.doRescale()),
          root.path("rescale_factor").asDouble(d.rescaleFactor()),
          root.path("do_normalize").asBoolean(d.doNormalize()),
          triple(preprocessorConfigJson, "image_mean", root.get("image_mean"), d.imageMean()),
          triple(preprocessorConfigJson, "image_std", root.get("image_std"), d.imageStd()),
          root.path("do_convert_rgb").asBoolean(d.doConvertRgb()),
          false,
          resizeHeight,
          resizeWidth);
    } catch (IllegalArgumentException e) {
      throw bad(preprocessorConfigJson, "is inconsistent: " + e.getMessage());
    }
  }

  public ImageProcessorConfig withPadToSquare(boolean pad) {
    return new ImageProcessorConfig(
        doResize,
        shortestEdge,
        resample,
        doCenterCrop,
        cropHeight,
        cropWidth,
        doRescale,
        rescaleFactor,
        doNormalize,
        imageMean,
        imageStd,
        doConvertRgb,
        pad,
        resizeHeight,
        resizeWidth);
  }

  /** True for {@code "size": {"height": h, "width": w}}, false for a shortest edge. */
  public boolean fixedResize() {
    return resizeHeight > 0 && resizeWidth > 0;
  }

  @Override
  public float[] imageMean() {
    return imageMean.clone();
  }

  @Override
  public float[] imageStd() {
    return imageStd.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageProcessorConfig c
        && doResize == c.doResize
        && shortestEdge == c.shortestEdge
        && resample == c.resample
        && doCenterCrop == c.doCenterCrop
        && cropHeight == c.cropHeight
        && cropWidth == c.cropWidth
        && doRescale == c.doRescale
        && Double.compare(rescaleFactor, c.rescaleFactor) == 0
        && doNormalize == c.doNormalize
        && Arrays.equals(imageMean, c.imageMean)
        && Arrays.equals(imageStd, c.imageStd)
        && doConvertRgb == c.doConvertRgb
        && padToSquare == c.padToSquare
        && resizeHeight == c.resizeHeight
        && resizeWidth == c.resizeWidth;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(imageMean)
        + Arrays.hashCode(imageStd)
        + Objects.hash(
            shortestEdge, resample, cropHeight, cropWidth, padToSquare, resizeHeight, resizeWidth);
  }

  @Override
  public String toString() {
    return "ImageProcessorConfig[doResize="
        + doResize
        + ", shortestEdge="
        + shortestEdge
        + ", resize="
        + resizeHeight
        + "x"
        + resizeWidth
        + ", resample="
        + resample
        + ", doCenterCrop="
        + doCenterCrop
        + ", crop="
        + cropHeight
        + "x"
        + cropWidth
        + ", doRescale="
        + doRescale
        + ", rescaleFactor="
        + rescaleFactor
        + ", doNormalize="
        + doNormalize
        + ", imageMean="
        + Arrays.toString(imageMean)
        + ", imageStd="
        + Arrays.toString(imageStd)
        + ", doConvertRgb="
        + doConvertRgb
        + ", padToSquare="
        + padToSquare
        + "]";
  }

  private static int positive(Path file, String field, JsonNode node) {
    if (node == null || !node.canConvertToInt() || node.asInt() <= 0) {
      throw bad(file, "has " + field + " = " + node + "; expected a positive integer");
    }
    return node.asInt();
  }

  private static float[] triple(Path file, String field, JsonNode node, float[] fallback) {
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (node.isNumber()) {
      float v = node.floatValue();
      return new float[] {v, v, v};
    }
    if (!node.isArray() || node.size() != 3) {
      throw bad(file, "has " + field + " = " + node + "; expected a number or 3 numbers (R, G, B)");
    }
    float[] v = new float[3];
    for (int i = 0; i < 3; i++) {
      if (!node.get(i).isNumber()) {
        throw bad(file, "has a non-numeric " + field + "[" + i + "]");
      }
      v[i] = node.get(i).floatValue();
    }
    return v;
  }

  private static CheckpointException bad(Path file, String what) {
    return new CheckpointException(
        CheckpointException.Code.BAD_CONFIG,
        file + " " + what + "; fix the file or re-download it from the model repository");
  }
}
