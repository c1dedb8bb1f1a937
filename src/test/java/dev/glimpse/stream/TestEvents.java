package dev.glimpse.stream;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.ImageUri;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Events for tests, encoded as producers would (single-object encoding). */
public final class TestEvents {
  private TestEvents() {}

  public static List<Object> threeTasks() {
    return List.of(
        new CaptionTask(),
        new QuestionTask("What colour is the ball?"),
        new ModerationTask(List.of("violence", "nudity")));
  }

  public static ImageEvent inline(String id, byte[] image, List<Object> tasks) {
    return event(id, new InlineImage(ByteBuffer.wrap(image), "image/png"), tasks);
  }

  public static ImageEvent uri(String id, String uri, List<Object> tasks) {
    return event(id, new ImageUri(uri), tasks);
  }

  public static ImageEvent event(String id, Object image, List<Object> tasks) {
    return ImageEvent.newBuilder()
        .setEventId(id)
        .setClientId("test-client")
        .setSource("test")
        .setTimestamp(Instant.parse("2026-11-23T08:00:00Z"))
        .setImage(image)
        .setTasks(tasks)
        .setOptions(null)
        .setAttributes(Map.of())
        .build();
  }

  public static byte[] encode(ImageEvent event) {
    try {
      ByteBuffer buffer = ImageEvent.getEncoder().encode(event);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
