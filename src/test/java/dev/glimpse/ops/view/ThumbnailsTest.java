package dev.glimpse.ops.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.glimpse.stream.TestImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ThumbnailsTest {
  private final Thumbnails thumbnails = new Thumbnails(new ViewSettings(10, 192, 1_000_000));

  @Test
  void aLargeImageBecomesAPngOfTheThumbnailSizeWithItsAspectRatio() throws Exception {
    Thumbnails.Preview preview = thumbnails.of(TestImages.noisyPng(600, 400));
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(preview.png()));
    assertEquals(192, png.getWidth());
    assertEquals(128, png.getHeight());
    assertEquals("", preview.note());
  }

  @Test
  void aSmallImageKeepsItsSize() throws Exception {
    BufferedImage png =
        ImageIO.read(new ByteArrayInputStream(thumbnails.of(TestImages.png(1)).png()));
    assertEquals(32, png.getWidth());
  }

  @Test
  void bytesThatAreNotAnImageGetANoteWithTheCode() {
    Thumbnails.Preview preview =
        thumbnails.of("<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8));
    assertNull(preview.png());
    assertEquals("no preview: NOT_AN_IMAGE", preview.note());
  }

  @Test
  void anImageOverTheViewsPixelLimitIsNotDecodedAndTheNoteNamesTheSetting() {
    Thumbnails.Preview preview = thumbnails.of(TestImages.pngHeaderClaiming(2000, 1000));
    assertNull(preview.png());
    assertEquals("no preview: TOO_MANY_PIXELS (over glimpse.view.max.pixels)", preview.note());
  }
}
