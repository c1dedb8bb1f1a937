package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

class PngTest {

  @Test
  void aCommentChangesTheBytesNotThePixelsAndReadsBackAsTheFilesText() throws Exception {
    byte[] png =
        new ShapeRenderer().renderPng(new SceneGenerator().generate(new SplittableRandom(3)));

    byte[] tagged = Png.withComment(png, "round 2");

    assertFalse(Arrays.equals(png, tagged));
    BufferedImage before = ImageIO.read(new ByteArrayInputStream(png));
    BufferedImage after = ImageIO.read(new ByteArrayInputStream(tagged));
    assertArrayEquals(
        before.getRGB(0, 0, before.getWidth(), before.getHeight(), null, 0, before.getWidth()),
        after.getRGB(0, 0, after.getWidth(), after.getHeight(), null, 0, after.getWidth()));
    assertEquals("round 2", comment(tagged));
  }

  /** The text of the file's "Comment" tEXt chunk, as ImageIO's PNG reader reads it. */
  private static String comment(byte[] png) throws Exception {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
      reader.setInput(in);
      Node root = reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
      IIOMetadataNode text =
          (IIOMetadataNode) ((IIOMetadataNode) root).getElementsByTagName("tEXtEntry").item(0);
      return text.getAttribute("value");
    }
  }
}
