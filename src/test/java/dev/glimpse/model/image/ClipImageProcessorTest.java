package dev.glimpse.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ClipImageProcessorTest {

  /** Everything off but the steps under test, so the output holds raw uint8 levels. */
  private static ImageProcessorConfig raw(
      boolean resize, int shortestEdge, boolean crop, int cropSize) {
    return new ImageProcessorConfig(
        resize,
        shortestEdge,
        3,
        crop,
        cropSize,
        cropSize,
        false,
        1 / 255.0,
        false,
        ImageProcessorConfig.OPENAI_CLIP_MEAN,
        ImageProcessorConfig.OPENAI_CLIP_STD,
        true,
        false);
  }

  @Test
  void padToSquareCentresTheImageOnTheMeanColour() {
    BufferedImage wide = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB); // black
    ClipImageProcessor p = new ClipImageProcessor(raw(false, 0, false, 0).withPadToSquare(true));
    float[] out = p.preprocess(wide);
    assertEquals(3 * 4 * 4, out.length);
    // int(mean * 255) = (122, 116, 104) on rows 0 and 3, the image on rows 1 and 2
    int[] fill = {122, 116, 104};
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          float want = y == 0 || y == 3 ? fill[c] : 0;
          assertEquals(want, out[c * 16 + y * 4 + x], "channel " + c + " at " + x + "," + y);
        }
      }
    }
  }

  @Test
  void padToSquareOfATallImagePadsLeftAndRight() {
    BufferedImage tall = new BufferedImage(1, 3, BufferedImage.TYPE_INT_RGB);
    float[] out =
        new ClipImageProcessor(raw(false, 0, false, 0).withPadToSquare(true)).preprocess(tall);
    // red plane, 3x3: columns 0 and 2 are the fill, column 1 the black image
    assertArrayEquals(
        new float[] {122, 0, 122, 122, 0, 122, 122, 0, 122}, java.util.Arrays.copyOf(out, 9));
  }

  @Test
  void resizeKeepsTheAspectRatioAndTruncatesTheLongEdge() {
    ClipImageProcessor p = new ClipImageProcessor(raw(true, 56, false, 0));
    assertArrayEquals(new int[] {56, 74}, p.resizeTarget(48, 64)); // int(56 * 64 / 48) = 74
    assertArrayEquals(new int[] {56, 136}, p.resizeTarget(37, 90)); // int(136.2)
    assertArrayEquals(new int[] {70, 56}, p.resizeTarget(120, 96)); // portrait: int(70.0)
  }

  @Test
  void aUniformImageStaysUniformThroughResizeAndCrop() {
    BufferedImage grey = new BufferedImage(90, 37, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 37; y++) {
      for (int x = 0; x < 90; x++) {
        grey.setRGB(x, y, 0x808080);
      }
    }
    for (ClipImageProcessor.Backend b : ClipImageProcessor.Backend.values()) {
      float[] out = new ClipImageProcessor(raw(true, 56, true, 56), b).preprocess(grey);
      for (float v : out) {
        assertEquals(128f, v, b.name());
      }
    }
  }

  @Test
  void normalizationIsRescaleThenMeanAndStd() {
    BufferedImage white = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 4; i++) {
      white.setRGB(i % 2, i / 2, 0xFFFFFF);
    }
    ImageProcessorConfig c = ImageProcessorConfig.clipDefaults();
    ImageProcessorConfig noResize =
        new ImageProcessorConfig(
            false,
            224,
            3,
            false,
            224,
            224,
            true,
            c.rescaleFactor(),
            true,
            c.imageMean(),
            c.imageStd(),
            true,
            false);
    float[] out = new ClipImageProcessor(noResize).preprocess(white);
    assertEquals((1 - 0.48145466) / 0.26862954, out[0], 1e-5);
    assertEquals((1 - 0.40821073) / 0.27577711, out[11], 1e-5);
  }

  @Test
  void cropLargerThanTheImagePadsWithZeros() {
    BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    one.setRGB(0, 0, 0xFFFFFF);
    float[] out = new ClipImageProcessor(raw(false, 0, true, 2)).preprocess(one);
    // torchvision pads (2 - 1) // 2 = 0 before and 1 after: the pixel stays at the top left
    assertArrayEquals(new float[] {255, 0, 0, 0}, java.util.Arrays.copyOf(out, 4));
  }
}
