package dev.glimpse.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.model.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageProcessorConfigTest {

  @TempDir Path tmp;

  @Test
  void readsTheFixtureConfig() {
    ImageProcessorConfig c =
        ImageProcessorConfig.read(
            Path.of("src/test/resources/fixtures/llava-tiny-a/preprocessor_config.json"));
    assertTrue(c.doResize());
    assertEquals(56, c.shortestEdge());
    assertFalse(c.fixedResize());
    assertEquals(3, c.resample());
    assertEquals(56, c.cropHeight());
    assertEquals(56, c.cropWidth());
    assertEquals(0.00392156862745098, c.rescaleFactor());
    assertArrayEquals(ImageProcessorConfig.OPENAI_CLIP_MEAN, c.imageMean());
    assertArrayEquals(ImageProcessorConfig.OPENAI_CLIP_STD, c.imageStd());
    assertFalse(c.padToSquare());
  }

  @Test
  void missingFieldsTakeClipImageProcessorDefaults() throws IOException {
    ImageProcessorConfig c = ImageProcessorConfig.read(write("{}"));
    assertEquals(ImageProcessorConfig.clipDefaults(), c);
    assertEquals(224, c.shortestEdge());
    assertEquals(224, c.cropHeight());
    assertEquals(3, c.resample());
    assertEquals(1 / 255.0, c.rescaleFactor());
    assertTrue(c.doConvertRgb());
  }

  @Test
  void sizeMayBeHeightAndWidth() throws IOException {
    ImageProcessorConfig c =
        ImageProcessorConfig.read(
            write("{\"size\": {\"height\": 384, \"width\": 320}, \"crop_size\": 300}"));
    assertTrue(c.fixedResize());
    assertEquals(384, c.resizeHeight());
    assertEquals(320, c.resizeWidth());
    assertEquals(300, c.cropHeight());
    assertEquals(300, c.cropWidth());
  }

  @Test
  void anIntegerSizeIsAShortestEdge() throws IOException {
    assertEquals(336, ImageProcessorConfig.read(write("{\"size\": 336}")).shortestEdge());
  }

  @Test
  void withPadToSquareChangesOnlyThatFlag() {
    ImageProcessorConfig c = ImageProcessorConfig.clipDefaults();
    ImageProcessorConfig padded = c.withPadToSquare(true);
    assertTrue(padded.padToSquare());
    assertEquals(c, padded.withPadToSquare(false));
  }

  @Test
  void unsupportedResampleIsABadConfig() throws IOException {
    CheckpointException e =
        assertThrows(
            CheckpointException.class, () -> ImageProcessorConfig.read(write("{\"resample\": 4}")));
    assertEquals(CheckpointException.Code.BAD_CONFIG, e.code());
  }

  @Test
  void malformedJsonIsABadConfigAndAMissingFileIsMissing() throws IOException {
    assertEquals(
        CheckpointException.Code.BAD_CONFIG,
        assertThrows(CheckpointException.class, () -> ImageProcessorConfig.read(write("{not json")))
            .code());
    assertEquals(
        CheckpointException.Code.MISSING_FILE,
        assertThrows(
                CheckpointException.class,
                () -> ImageProcessorConfig.read(tmp.resolve("absent.json")))
            .code());
  }

  private Path write(String json) throws IOException {
    Path p = tmp.resolve("preprocessor_config.json");
    Files.writeString(p, json);
    return p;
  }
}
