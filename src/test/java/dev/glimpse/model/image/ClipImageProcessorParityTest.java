package dev.glimpse.model.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.model.checkpoint.SafetensorsFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parity with transformers 5.17's CLIPImageProcessor on the llava-tiny-a fixture:
 * expected.safetensors holds pixel_values [3, 3, 56, 56] for shapes.png, noise.png, photo.jpg
 * (expected.json order).
 */
class ClipImageProcessorParityTest {

  private static final Path DIR = Path.of("src/test/resources/fixtures/llava-tiny-a");
  private static final String[] IMAGES = {"shapes.png", "noise.png", "photo.jpg"};
  private static final int PER_IMAGE = 3 * 56 * 56;

  /** One uint8 level after normalization, for the smallest std: 1 / 255 / 0.2613 ≈ 0.0150. */
  private static final double ONE_LEVEL = 1.0 / 255 / 0.26130258 + 1e-6;

  private static float[] expected;
  private static ImageProcessorConfig config;

  @BeforeAll
  static void load() {
    try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve("expected.safetensors"))) {
      expected = f.floats("pixel_values");
    }
    config = ImageProcessorConfig.read(DIR.resolve("preprocessor_config.json"));
  }

  @Test
  void pngPixelValuesEqualTransformersWithinOneTenThousandth() throws IOException {
    ClipImageProcessor processor = new ClipImageProcessor(config);
    // measured: max abs diff 0.0 for both (bit-identical)
    assertTrue(maxAbsDiff(processor, 0) <= 1e-4, "shapes.png");
    assertTrue(maxAbsDiff(processor, 1) <= 1e-4, "noise.png");
  }

  @Test
  void jpegPixelValuesEqualTransformersWithinOneTenThousandth() throws IOException {
    // ImageIO's libjpeg-6b ISLOW IDCT and fancy upsampling gave the same RGB as the
    // libjpeg-turbo behind Pillow for this baseline 4:2:0 JPEG: measured max abs diff 0.0, so the
    // bound is the same as for PNG. Other JPEGs (progressive, other decoders) may differ by a
    // level.
    assertTrue(maxAbsDiff(new ClipImageProcessor(config), 2) <= 1e-4, "photo.jpg");
  }

  @Test
  void outputIsThreeChannelsOfTheCropSize() throws IOException {
    ClipImageProcessor processor = new ClipImageProcessor(config);
    assertEquals(56, processor.outputHeight());
    assertEquals(56, processor.outputWidth());
    assertEquals(PER_IMAGE, processor.preprocess(decode(0)).length);
  }

  @Test
  void pillowArithmeticDiffersFromTheFixtureByAtMostOneLevel() throws IOException {
    // the fixture comes from the torchvision backend (int16 weights); Pillow's 22-bit weights
    // round a few pixels the other way (measured: 10, 72 and 36 of 9408 values, one level each)
    ClipImageProcessor pil = new ClipImageProcessor(config, ClipImageProcessor.Backend.PIL);
    for (int i = 0; i < IMAGES.length; i++) {
      double diff = maxAbsDiff(pil, i);
      assertTrue(diff <= ONE_LEVEL, IMAGES[i] + " differs by " + diff);
      assertTrue(diff > 1e-4, IMAGES[i] + ": the Pillow path should not be what the fixture used");
    }
  }

  private static double maxAbsDiff(ClipImageProcessor processor, int index) throws IOException {
    float[] got = processor.preprocess(decode(index));
    float[] want = Arrays.copyOfRange(expected, index * PER_IMAGE, (index + 1) * PER_IMAGE);
    assertEquals(want.length, got.length);
    double max = 0;
    for (int k = 0; k < want.length; k++) {
      max = Math.max(max, Math.abs(got[k] - want[k]));
    }
    System.out.printf("%s %s max abs diff %.7f%n", processor.backend(), IMAGES[index], max);
    return max;
  }

  private static BufferedImage decode(int index) throws IOException {
    byte[] bytes = Files.readAllBytes(DIR.resolve(IMAGES[index]));
    return new ImageDecoder(ImageLimits.defaults()).decodeRgb(bytes);
  }
}
