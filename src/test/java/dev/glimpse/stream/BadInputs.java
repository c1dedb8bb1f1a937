package dev.glimpse.stream;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.GenerationOptions;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.QuestionTask;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One of each kind of bad input, with the dead-letter code it must get. */
public record BadInputs(String name, byte[] value, ErrorCode expected) {
  /** The image size limit the bad inputs are made for. */
  public static final long MAX_IMAGE_BYTES = 100_000;

  @Override
  public String toString() {
    return name;
  }

  public static List<BadInputs> all() {
    List<Object> caption = List.of(new CaptionTask());
    byte[] png = TestImages.png(1);
    var withBadOptions = TestEvents.inline("bad-options", png, caption);
    withBadOptions.setOptions(new GenerationOptions(0, null, null, null, null));
    return List.of(
        new BadInputs(
            "bytes that are not Avro",
            "{\"event_id\": \"json?\"}".getBytes(StandardCharsets.UTF_8),
            ErrorCode.NOT_AVRO),
        new BadInputs(
            "an event with no id",
            encode(TestEvents.inline(" ", png, caption)),
            ErrorCode.MISSING_EVENT_ID),
        new BadInputs(
            "no tasks", encode(TestEvents.inline("no-tasks", png, List.of())), ErrorCode.NO_TASKS),
        new BadInputs(
            "question with no text",
            encode(TestEvents.inline("empty-question", png, List.of(new QuestionTask("  ")))),
            ErrorCode.EMPTY_QUESTION),
        new BadInputs(
            "question longer than the prompt cap",
            encode(
                TestEvents.inline(
                    "long-question", png, List.of(new QuestionTask("why? ".repeat(500))))),
            ErrorCode.PROMPT_TOO_LONG),
        new BadInputs("max_new_tokens 0", encode(withBadOptions), ErrorCode.INVALID_OPTIONS),
        new BadInputs(
            "a file that is not an image",
            encode(
                TestEvents.inline(
                    "not-image", "%PDF-1.7 hello".getBytes(StandardCharsets.US_ASCII), caption)),
            ErrorCode.NOT_AN_IMAGE),
        new BadInputs(
            "a BMP",
            encode(TestEvents.inline("bmp", TestImages.bmp(), caption)),
            ErrorCode.UNSUPPORTED_FORMAT),
        new BadInputs(
            "a truncated PNG",
            encode(TestEvents.inline("truncated", TestImages.truncatedPng(), caption)),
            ErrorCode.TRUNCATED_IMAGE),
        new BadInputs(
            "a PNG header claiming 100000x100000",
            encode(
                TestEvents.inline("bomb", TestImages.pngHeaderClaiming(100_000, 100_000), caption)),
            ErrorCode.TOO_MANY_PIXELS),
        new BadInputs(
            "an image over the size limit",
            encode(TestEvents.inline("huge", TestImages.noisyPng(200, 200), caption)),
            ErrorCode.IMAGE_TOO_LARGE),
        new BadInputs(
            "a URI to 127.0.0.1",
            encode(TestEvents.uri("loopback", "http://127.0.0.1:9/cat.png", caption)),
            ErrorCode.URI_NOT_ALLOWED),
        new BadInputs(
            "a URI to the cloud metadata address",
            encode(TestEvents.uri("metadata", "http://169.254.169.254/latest/meta-data/", caption)),
            ErrorCode.URI_NOT_ALLOWED),
        new BadInputs(
            "a file: URI",
            encode(TestEvents.uri("file", "file:///etc/passwd", caption)),
            ErrorCode.URI_NOT_ALLOWED));
  }

  private static byte[] encode(ImageEvent event) {
    return TestEvents.encode(event);
  }
}
