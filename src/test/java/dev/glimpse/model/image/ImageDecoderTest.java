package dev.glimpse.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

  private static final Path DIR = Path.of("src/test/resources/fixtures/llava-tiny-a");
  private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults());

  @Test
  void defaultLimitsAreTwentyMebibytesAndFortyMegapixels() {
    assertEquals(20L * 1024 * 1024, ImageLimits.defaults().maxBytes());
    assertEquals(40_000_000L, ImageLimits.defaults().maxPixels());
  }

  @Test
  void probeReadsFormatAndSizeOfEachFixture() throws IOException {
    assertEquals(new ImageHeader("png", 64, 48), decoder.probe(fixture("shapes.png")));
    assertEquals(new ImageHeader("png", 90, 37), decoder.probe(fixture("noise.png")));
    assertEquals(new ImageHeader("jpeg", 120, 96), decoder.probe(fixture("photo.jpg")));
  }

  @Test
  void probeRefusesAHugePngHeaderBeforeAnyPixelIsDecoded() {
    // signature + IHDR claiming 100000 x 100000 RGB + IEND, and no pixel data at all: a decoder
    // that
    // went past the header would answer TRUNCATED (there is no IDAT), so TOO_MANY_PIXELS from both
    // calls shows the refusal came from the header alone, before any pixel buffer was allocated
    byte[] png = pngWithHeaderOnly(100_000, 100_000);
    ImageException probed = assertThrows(ImageException.class, () -> decoder.probe(png));
    assertEquals(ImageException.Code.TOO_MANY_PIXELS, probed.code());
    assertTrue(probed.getMessage().contains("100000x100000"), probed.getMessage());
    assertEquals(
        ImageException.Code.TOO_MANY_PIXELS,
        assertThrows(ImageException.class, () -> decoder.decodeRgb(png)).code());
    byte[] small = pngWithHeaderOnly(10, 10);
    assertEquals(
        ImageException.Code.TRUNCATED,
        assertThrows(ImageException.class, () -> decoder.decodeRgb(small)).code());
  }

  @Test
  void truncatedPngIsRefusedNotHalfDecoded() throws IOException {
    assertFirstHalfIsTruncated("noise.png");
  }

  @Test
  void truncatedJpegIsRefusedNotHalfDecoded() throws IOException {
    assertFirstHalfIsTruncated("photo.jpg");
  }

  @Test
  void jpegCutOffInsideItsHeaderIsTruncatedNotCorrupt() throws IOException {
    byte[] whole = fixture("photo.jpg");
    int scan = 2;
    while (!((whole[scan] & 0xFF) == 0xFF && (whole[scan + 1] & 0xFF) == 0xDA)) {
      scan++;
    }
    for (int length : new int[] {12, scan / 2, scan + 3}) {
      byte[] cut = Arrays.copyOf(whole, length);
      ImageException e =
          assertThrows(ImageException.class, () -> decoder.decodeRgb(cut), "cut at " + length);
      assertEquals(ImageException.Code.TRUNCATED, e.code(), e.getMessage());
    }
  }

  @Test
  void twelveBitJpegIsUnsupportedAsPillowRefusesIt() throws IOException {
    // Pillow's SOF handler: "cannot handle 12-bit layers"
    byte[] jpeg = fixture("photo.jpg");
    int sof = 2;
    while (!((jpeg[sof] & 0xFF) == 0xFF && (jpeg[sof + 1] & 0xFF) == 0xC0)) {
      sof++;
    }
    jpeg[sof + 4] = 12;
    ImageException e = assertThrows(ImageException.class, () -> decoder.decodeRgb(jpeg));
    assertEquals(ImageException.Code.UNSUPPORTED_FORMAT, e.code(), e.getMessage());
    assertTrue(e.reason().contains("12-bit"), e.reason());
  }

  @Test
  void randomBytesAreNotAnImage() {
    byte[] noise = new byte[1000];
    new Random(42).nextBytes(noise);
    noise[0] = 0x00; // no format starts with a zero byte followed by this noise
    assertEquals(
        ImageException.Code.NOT_AN_IMAGE,
        assertThrows(ImageException.class, () -> decoder.probe(noise)).code());
  }

  @Test
  void knownButUnsupportedFormatIsUnsupported() {
    byte[] bmp = {'B', 'M', 0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0};
    assertEquals(
        ImageException.Code.UNSUPPORTED_FORMAT,
        assertThrows(ImageException.class, () -> decoder.probe(bmp)).code());
  }

  @Test
  void bytesOverTheLimitAreTooLarge() throws IOException {
    ImageDecoder small = new ImageDecoder(new ImageLimits(100, 1_000_000));
    byte[] png = fixture("shapes.png");
    assertEquals(
        ImageException.Code.TOO_LARGE,
        assertThrows(ImageException.class, () -> small.probe(png)).code());
  }

  @Test
  void emptyInputIsEmpty() {
    assertEquals(
        ImageException.Code.EMPTY,
        assertThrows(ImageException.class, () -> decoder.probe(new byte[0])).code());
    assertEquals(
        ImageException.Code.EMPTY,
        assertThrows(ImageException.class, () -> decoder.decodeRgb(null)).code());
  }

  @Test
  void decodedImageIsIntRgbOfTheHeaderSize() throws IOException {
    BufferedImage image = decoder.decodeRgb(fixture("shapes.png"));
    assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
    assertEquals(64, image.getWidth());
    assertEquals(48, image.getHeight());
  }

  @Test
  void rgbaDropsAlphaAsPillowConvertRgbDoes() {
    // transformers 5's convert_to_rgb is image.convert("RGB"): the colour under any alpha is kept,
    // a fully transparent green stays green (Pillow 9.4: (255,0,0) (0,255,0) (0,0,255) (10,20,30))
    BufferedImage rgb = decoder.decodeRgb(CraftedImages.rgbaPng());
    assertFirstRow(rgb, 0xFF0000, 0x00FF00, 0x0000FF, 0x0A141E);
  }

  @Test
  void grayAlphaDropsAlphaAndKeepsTheGray() {
    // Pillow mode LA -> RGB (la2rgb): (100,0) (200,128) (50,255) give 100, 200, 50 in every channel
    BufferedImage rgb = decoder.decodeRgb(CraftedImages.grayAlphaPng());
    assertFirstRow(rgb, 0x646464, 0xC8C8C8, 0x323232);
  }

  @Test
  void sixteenBitGrayAlphaKeepsTheHighByteOfTheGray() {
    // Pillow opens it as RGBA through "LA;16B" (high bytes), then drops alpha: (18,18,18),
    // (255,255,255)
    BufferedImage rgb = decoder.decodeRgb(CraftedImages.grayAlpha16Png());
    assertFirstRow(rgb, 0x121212, 0xFFFFFF);
  }

  @Test
  void sixteenBitGrayIsClippedTo255AsPillowDoes() {
    // Pillow mode I;16 -> RGB (I16_RGB) clips, it does not scale: 100, 300, 65535 give 100, 255,
    // 255
    BufferedImage rgb = decoder.decodeRgb(CraftedImages.gray16Png());
    assertFirstRow(rgb, 0x646464, 0xFFFFFF, 0xFFFFFF);
  }

  @Test
  void paletteTransparencyIsIgnoredAsPillowConvertRgbDoes() {
    // Pillow mode P with tRNS bytes -> RGB: the palette colours, alpha 100 and alpha 0 alike
    byte[] png = CraftedImages.paletteWithTransparencyPng();
    assertEquals(3, png[25], "the test image must be a palette PNG");
    BufferedImage rgb = decoder.decodeRgb(png);
    assertFirstRow(rgb, 0x0A141E, 0xC86432, 0x00C800);
  }

  @Test
  void grayscaleKeepsItsLevelsInAllThreeChannels() throws IOException {
    BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 100);
    gray.getRaster().setSample(1, 0, 0, 7);
    BufferedImage rgb = decoder.decodeRgb(write(gray, "png"));
    // raw samples, not Java2D's linear-gray-to-sRGB conversion (which would give 100 -> 168)
    assertFirstRow(rgb, 0x646464, 0x070707);
  }

  @Test
  void exifOrientationSixRotatesClockwise() throws IOException {
    // stored 16x8: left 8x8 block red, right block blue; orientation 6 shows it turned 90°
    // clockwise
    BufferedImage stored = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 16; x++) {
        stored.setRGB(x, y, x < 8 ? 0xFF0000 : 0x0000FF);
      }
    }
    byte[] jpeg = withExifOrientation(write(stored, "jpeg"), 6);
    assertEquals(new ImageHeader("jpeg", 16, 8), decoder.probe(jpeg));
    BufferedImage upright = decoder.decodeRgb(jpeg);
    assertEquals(8, upright.getWidth());
    assertEquals(16, upright.getHeight());
    assertRoughly(0xFF0000, upright.getRGB(4, 3)); // the stored left (red) is now on top
    assertRoughly(0x0000FF, upright.getRGB(4, 12));
  }

  @Test
  void everyExifOrientationMapsTheStoredTopLeftCorner() {
    // a 3x2 image with a distinct value per pixel; where does stored (0,0) end up?
    BufferedImage stored = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 6; i++) {
      stored.setRGB(i % 3, i / 3, i + 1);
    }
    int[][] expectedCorner = {
      {0, 0}, {0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}
    };
    for (int o = 1; o <= 8; o++) {
      BufferedImage out = ExifOrientation.apply(stored, o);
      assertEquals(o >= 5 ? 2 : 3, out.getWidth(), "orientation " + o);
      int[] at = expectedCorner[o];
      assertEquals(1, out.getRGB(at[0], at[1]) & 0xFFFFFF, "orientation " + o);
    }
  }

  @Test
  void gifDecodesItsFirstFrame() throws IOException {
    BufferedImage first = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED);
    BufferedImage second = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED);
    fill(first, 0xFF0000);
    fill(second, 0x00FF00);
    byte[] gif = writeGifFrames(first, second);
    assertEquals(new ImageHeader("gif", 4, 4), decoder.probe(gif));
    BufferedImage rgb = decoder.decodeRgb(gif);
    assertEquals(0xFF0000, rgb.getRGB(2, 2) & 0xFFFFFF);
  }

  @Test
  void losslessWebpDecodes() {
    // a 2x2 VP8L image built from the spec: every prefix code is a one-symbol "simple code", so
    // all pixels are (r, g, b, a) = (200, 100, 50, 255) and no pixel bits follow
    byte[] webp = losslessWebp(2, 2, 200, 100, 50, 255);
    assertEquals(new ImageHeader("webp", 2, 2), decoder.probe(webp));
    BufferedImage rgb = decoder.decodeRgb(webp);
    assertEquals(0xC86432, rgb.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0xC86432, rgb.getRGB(1, 1) & 0xFFFFFF);
  }

  @Test
  void cmykJpegDecodesToPillowColours() {
    // Adobe CMYK (transform 0): Pillow reads the samples inverted ("CMYK;I") and converts with
    // cmyk2rgb, no ICC. Pillow 9.4 on these bytes: blocks (255,255,255) (0,255,255) (255,127,0)
    // (131,106,82), mean (160.25, 185.75, 148.0)
    BufferedImage rgb = decoder.decodeRgb(CraftedImages.fourComponentJpeg(0));
    assertBlocks(rgb, 0xFFFFFF, 0x00FFFF, 0xFF7F00, 0x836A52);
    assertArrayEquals(new double[] {160.25, 185.75, 148.0}, meanRgb(rgb), 1e-9);
  }

  @Test
  void ycckJpegDecodesToPillowColours() {
    // Adobe YCCK (transform 2): libjpeg turns YCC into inverted CMY and keeps K, Pillow inverts
    // both. Pillow 9.4 on these bytes: blocks (0,134,0) (77,255,30) (179,0,2) (18,37,0), mean
    // (68.5, 106.5, 8.0)
    BufferedImage rgb = decoder.decodeRgb(CraftedImages.fourComponentJpeg(2));
    assertBlocks(rgb, 0x008600, 0x4DFF1E, 0xB30002, 0x122500);
    assertArrayEquals(new double[] {68.5, 106.5, 8.0}, meanRgb(rgb), 1e-9);
  }

  @Test
  void jpegWithAnIccSegmentAfterTheFrameHeaderDecodesAndTheProfileIsNotApplied()
      throws IOException {
    // an APP2 ICC_PROFILE after SOF that claims to be part 1 of 2: the JDK's reader refuses it
    // ("invalid number of icc markers"); Pillow ignores the profile and decodes the pixels
    byte[] plain = fixture("photo.jpg");
    byte[] profile =
        java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_sRGB).getData();
    byte[] withIcc = CraftedImages.afterFrameHeader(plain, CraftedImages.iccSegment(1, 2, profile));
    BufferedImage expected = decoder.decodeRgb(plain);
    BufferedImage got = decoder.decodeRgb(withIcc);
    assertArrayEquals(pixels(expected), pixels(got));
  }

  @Test
  void pngWithoutIendDecodesLikeTheWholeFile() throws IOException {
    // Pillow stops once the pixel data is complete: IEND, and even the last IDAT's CRC, may be
    // missing
    byte[] whole = fixture("noise.png");
    int[] expected = pixels(decoder.decodeRgb(whole));
    byte[] noIend = Arrays.copyOf(whole, whole.length - 12);
    byte[] noCrc = Arrays.copyOf(whole, whole.length - 16);
    assertArrayEquals(expected, pixels(decoder.decodeRgb(noIend)));
    assertArrayEquals(expected, pixels(decoder.decodeRgb(noCrc)));
  }

  @Test
  void pngWithAChunkCutOffAfterThePixelDataIsTruncatedAsPillowRefusesIt() throws IOException {
    // Pillow's load_end reads the chunks after the pixel data up to IEND: a header without its
    // data is "Truncated File Read" (as in Pillow's Tests/images/truncated_end_chunk.png)
    byte[] whole = fixture("noise.png");
    byte[] noIend = Arrays.copyOf(whole, whole.length - 12);
    byte[] header =
        ByteBuffer.allocate(8)
            .putInt(100)
            .put("tEXt".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .array();
    byte[] cut =
        CraftedImages.insert(Arrays.copyOf(noIend, noIend.length + 10), noIend.length, header);
    ImageException e = assertThrows(ImageException.class, () -> decoder.decodeRgb(cut));
    assertEquals(ImageException.Code.TRUNCATED, e.code(), e.getMessage());
    assertTrue(e.reason().contains("'tEXt' chunk"), e.reason());
  }

  @Test
  void pngWithABadChecksumBeforeItsPixelDataIsCorruptAsPillowRefusesIt() throws IOException {
    byte[] png = fixture("noise.png");
    png[8 + 8 + 12] ^= 1; // a bit of IHDR's CRC
    ImageException e = assertThrows(ImageException.class, () -> decoder.decodeRgb(png));
    assertEquals(ImageException.Code.CORRUPT, e.code(), e.getMessage());
    assertTrue(e.reason().contains("'IHDR' chunk"), e.reason());
  }

  @Test
  void gifWithoutTerminatorAndTrailerDecodesLikeTheWholeFile() throws IOException {
    BufferedImage frame = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED);
    fill(frame, 0x00FF00);
    byte[] whole = writeGifFrames(frame);
    assertEquals(0x3B, whole[whole.length - 1], "the test GIF must end with its trailer");
    assertEquals(0x00, whole[whole.length - 2], "and a sub-block terminator before it");
    int[] expected = pixels(decoder.decodeRgb(whole));
    assertArrayEquals(expected, pixels(decoder.decodeRgb(Arrays.copyOf(whole, whole.length - 1))));
    assertArrayEquals(expected, pixels(decoder.decodeRgb(Arrays.copyOf(whole, whole.length - 2))));
  }

  @Test
  void gifWithAnLzwCodeSizeAboveEightDecodesAsPillowDoes() {
    // Pillow decodes LZW minimum code sizes 0..12 (GifDecode.c); the JDK's reader refuses 9..12
    byte[] palette = {10, 20, 30, (byte) 200, 100, 50};
    int[] indices = {0, 1, 1, 0, 1, 0};
    for (int codeSize : new int[] {9, 12}) {
      BufferedImage rgb =
          decoder.decodeRgb(CraftedImages.gif(3, 2, palette, 0, 0, 3, 2, indices, codeSize));
      int[] expected = {0x0A141E, 0xC86432, 0xC86432, 0x0A141E, 0xC86432, 0x0A141E};
      assertArrayEquals(expected, rgb(rgb), "code size " + codeSize);
    }
  }

  @Test
  void gifFrameSmallerThanItsScreenIsPlacedOnTheScreenAsPillowDoes() {
    // Pillow's image is the logical screen; outside the frame it holds index 0 (no transparency)
    byte[] palette = {10, 20, 30, (byte) 200, 100, 50};
    byte[] gif = CraftedImages.gif(4, 3, palette, 2, 1, 2, 1, new int[] {1, 1}, 2);
    assertEquals(new ImageHeader("gif", 4, 3), decoder.probe(gif));
    int[] expected = {
      0x0A141E, 0x0A141E, 0x0A141E, 0x0A141E,
      0x0A141E, 0x0A141E, 0xC86432, 0xC86432,
      0x0A141E, 0x0A141E, 0x0A141E, 0x0A141E,
    };
    assertArrayEquals(expected, rgb(decoder.decodeRgb(gif)));
  }

  @Test
  void gifCutOffInsideItsPixelDataIsTruncated() throws IOException {
    BufferedImage frame = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_INDEXED);
    Random random = new Random(7);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        frame.getRaster().setSample(x, y, 0, random.nextInt(256));
      }
    }
    byte[] whole = writeGifFrames(frame);
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    ImageException e = assertThrows(ImageException.class, () -> decoder.decodeRgb(half));
    assertEquals(ImageException.Code.TRUNCATED, e.code(), e.getMessage());
  }

  @Test
  void otherImageFormatsAreUnsupportedAndTheAcceptedOnesAreNamed() {
    byte[] tga = new byte[18 + 4];
    tga[2] = 2; // uncompressed true colour
    tga[12] = 1; // 1 x 1
    tga[14] = 1;
    tga[16] = 32;
    byte[][] files = {
      CraftedImages.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "bmp"),
      CraftedImages.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "tiff"),
      {0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0},
      tga,
      "P6\n2 2\n255\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      {'8', 'B', 'P', 'S', 0, 1, 0, 0, 0, 0, 0, 0},
    };
    String[] names = {"BMP", "TIFF", "ICO", "TGA", "PPM", "PSD"};
    for (int i = 0; i < files.length; i++) {
      byte[] file = files[i];
      ImageException e = assertThrows(ImageException.class, () -> decoder.probe(file), names[i]);
      assertEquals(ImageException.Code.UNSUPPORTED_FORMAT, e.code(), names[i]);
      assertTrue(e.reason().startsWith(names[i] + " images are not accepted"), e.reason());
      assertTrue(e.reason().contains("PNG, JPEG, WebP or GIF"), e.reason());
    }
  }

  @Test
  void everyRefusalSaysWhatIsWrongAndWhatToDoWithoutNullsOrItsCode() throws IOException {
    byte[] png = fixture("noise.png");
    byte[] jpeg = fixture("photo.jpg");
    byte[] badIhdr = Arrays.copyOf(png, png.length);
    badIhdr[12] =
        'X'; // the first chunk is no longer IHDR: ImageIO says "I/O error reading PNG header!"
    byte[] noise = new byte[64];
    new Random(3).nextBytes(noise);
    noise[0] = 0;
    byte[][] inputs = {
      new byte[0],
      noise,
      Arrays.copyOf(png, 40),
      Arrays.copyOf(png, png.length / 2),
      Arrays.copyOf(jpeg, 300),
      Arrays.copyOf(jpeg, jpeg.length / 2),
      badIhdr,
      pngWithHeaderOnly(4, 4),
      Arrays.copyOf(CraftedImages.rgbaPng(), 20),
    };
    for (byte[] input : inputs) {
      ImageException e = assertThrows(ImageException.class, () -> decoder.decodeRgb(input));
      String reason = e.reason();
      assertEquals(e.code() + ": " + reason, e.getMessage());
      assertTrue(!reason.contains("null") && !reason.contains("!"), reason);
      for (ImageException.Code code : ImageException.Code.values()) {
        assertTrue(!reason.contains(code.name()), reason);
      }
      assertTrue(reason.matches(".*: (send|re-encode|check|convert|downscale) .*"), reason);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The first half of a fixture's bytes is refused as TRUNCATED. */
  private void assertFirstHalfIsTruncated(String name) throws IOException {
    byte[] whole = fixture(name);
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    ImageException e = assertThrows(ImageException.class, () -> decoder.decodeRgb(half));
    assertEquals(ImageException.Code.TRUNCATED, e.code(), e.getMessage());
  }

  /** The first pixels of the top row, left to right, as 0xRRGGBB (compared as hex for messages). */
  private static void assertFirstRow(BufferedImage rgb, int... expected) {
    String[] row = new String[expected.length];
    for (int x = 0; x < expected.length; x++) {
      row[x] = String.format("%06x", rgb.getRGB(x, 0) & 0xFFFFFF);
    }
    assertArrayEquals(
        Arrays.stream(expected).mapToObj(p -> String.format("%06x", p)).toArray(), row, "top row");
  }

  private static void assertBlocks(BufferedImage rgb, int... expected) {
    int[][] at = {{2, 2}, {12, 2}, {2, 12}, {12, 12}};
    for (int i = 0; i < at.length; i++) {
      assertEquals(
          String.format("%06x", expected[i]),
          String.format("%06x", rgb.getRGB(at[i][0], at[i][1]) & 0xFFFFFF),
          "block " + i);
    }
  }

  private static double[] meanRgb(BufferedImage rgb) {
    double[] sum = new double[3];
    for (int p : pixels(rgb)) {
      sum[0] += p >> 16 & 0xFF;
      sum[1] += p >> 8 & 0xFF;
      sum[2] += p & 0xFF;
    }
    int n = rgb.getWidth() * rgb.getHeight();
    return new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
  }

  /** The pixels as 0xRRGGBB. */
  private static int[] rgb(BufferedImage image) {
    int[] p = pixels(image);
    for (int i = 0; i < p.length; i++) {
      p[i] &= 0xFFFFFF;
    }
    return p;
  }

  private static int[] pixels(BufferedImage image) {
    return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
  }

  private static byte[] fixture(String name) throws IOException {
    return Files.readAllBytes(DIR.resolve(name));
  }

  private static byte[] write(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out), "no ImageIO writer for " + format);
    return out.toByteArray();
  }

  private static void fill(BufferedImage image, int rgb) {
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        image.setRGB(x, y, rgb);
      }
    }
  }

  private static void assertRoughly(int want, int got) {
    for (int shift = 0; shift <= 16; shift += 8) {
      int w = want >> shift & 0xFF;
      int g = got >> shift & 0xFF;
      assertTrue(Math.abs(w - g) <= 8, String.format("want %06x got %06x", want, got & 0xFFFFFF));
    }
  }

  private static byte[] writeGifFrames(BufferedImage... frames) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.prepareWriteSequence(null);
      for (BufferedImage frame : frames) {
        IIOMetadata meta =
            writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
        writer.writeToSequence(new IIOImage(frame, null, meta), null);
      }
      writer.endWriteSequence();
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  /** PNG signature, IHDR (8-bit RGB) with a correct CRC, then IEND: a header and nothing else. */
  static byte[] pngWithHeaderOnly(int width, int height) {
    ByteBuffer ihdr =
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) 8)
            .put((byte) 2)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    CraftedImages.chunk(png, "IHDR", ihdr.array());
    CraftedImages.chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  /** Inserts an APP1 Exif segment (big-endian TIFF, IFD0 = one Orientation entry) after SOI. */
  private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    ByteBuffer tiff =
        ByteBuffer.allocate(26)
            .put(new byte[] {'M', 'M', 0, 42})
            .putInt(8) // header, IFD0 at offset 8
            .putShort((short) 1) // one entry
            .putShort((short) 0x0112)
            .putShort((short) 3)
            .putInt(1)
            .putShort((short) orientation)
            .putShort((short) 0)
            .putInt(0); // no next IFD
    ByteBuffer app1 =
        ByteBuffer.allocate(4 + 6 + 26)
            .put((byte) 0xFF)
            .put((byte) 0xE1)
            .putShort((short) (2 + 6 + 26))
            .put(new byte[] {'E', 'x', 'i', 'f', 0, 0})
            .put(tiff.array());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.writeBytes(app1.array());
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** A RIFF/WEBP file with one VP8L chunk of a single-colour image (see losslessWebpDecodes). */
  static byte[] losslessWebp(int width, int height, int r, int g, int b, int a) {
    Bits bits = new Bits();
    bits.put(0x2F, 8); // VP8L signature
    bits.put(width - 1, 14);
    bits.put(height - 1, 14);
    bits.put(a == 255 ? 0 : 1, 1); // alpha_is_used hint
    bits.put(0, 3); // version
    bits.put(0, 1); // no transform
    bits.put(0, 1); // no colour cache
    bits.put(0, 1); // no meta prefix codes: one group for the whole image
    for (int symbol : new int[] {g, r, b, a}) {
      bits.put(1, 1); // simple code
      bits.put(0, 1); // one symbol
      bits.put(1, 1); // 8-bit symbol
      bits.put(symbol, 8);
    }
    bits.put(1, 1); // distance code: simple, one 1-bit symbol 0
    bits.put(0, 1);
    bits.put(0, 1);
    bits.put(0, 1);
    // zero bytes after the bitstream are ignored by decoders; TwelveMonkeys' bit reader prefetches
    // 64 bits at a time and needs them to read a stream this short
    byte[] vp8l = Arrays.copyOf(bits.bytes(), 32);
    int padded = vp8l.length + (vp8l.length & 1);
    ByteBuffer riff = ByteBuffer.allocate(12 + 8 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    riff.put(new byte[] {'R', 'I', 'F', 'F'})
        .putInt(4 + 8 + padded)
        .put(new byte[] {'W', 'E', 'B', 'P'});
    riff.put(new byte[] {'V', 'P', '8', 'L'}).putInt(vp8l.length).put(vp8l);
    return riff.array();
  }

  /** Least-significant-bit-first bit writer, as VP8L reads. */
  private static final class Bits {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long acc;
    private int count;

    void put(int value, int n) {
      acc |= (long) (value & ((1 << n) - 1)) << count;
      count += n;
      while (count >= 8) {
        out.write((int) (acc & 0xFF));
        acc >>>= 8;
        count -= 8;
      }
    }

    byte[] bytes() {
      if (count > 0) {
        out.write((int) (acc & 0xFF));
        acc = 0;
        count = 0;
      }
      return out.toByteArray();
    }
  }
}
