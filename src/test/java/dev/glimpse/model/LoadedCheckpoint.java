package dev.glimpse.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.checkpoint.LlavaCheckpoint;
import dev.glimpse.model.text.LlavaTokenizer;
import java.util.Arrays;

/**
 * A fixture's checkpoint opened, its model loaded on the CPU in float32 and its tokenizer beside it
 * (and the fixture's pixel_values, read once), for tests that share one across their cases; closes
 * all three, newest first.
 */
public record LoadedCheckpoint(
    Fixture fixture,
    LlavaCheckpoint checkpoint,
    LlavaModel model,
    LlavaTokenizer tokenizer,
    float[] pixelValues)
    implements AutoCloseable {

  public static LoadedCheckpoint onCpu(Fixture fixture) {
    LlavaCheckpoint checkpoint = LlavaCheckpoint.open(fixture.dir());
    LlavaModel model = LlavaModel.load(checkpoint, Device.cpu(), DataType.FLOAT32);
    LlavaTokenizer tokenizer = LlavaTokenizer.load(fixture.dir(), model.config().imageSeqLength());
    return new LoadedCheckpoint(
        fixture, checkpoint, model, tokenizer, fixture.tensor("pixel_values"));
  }

  /** Case {@code c}'s image: its slice of the fixture's pixel_values, channel-major. */
  public float[] pixelsOfCase(int c) {
    int size = pixelValues.length / fixture.cases();
    return Arrays.copyOfRange(pixelValues, c * size, (c + 1) * size);
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
    checkpoint.close();
  }
}
