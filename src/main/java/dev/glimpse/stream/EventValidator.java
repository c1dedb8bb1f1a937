package dev.glimpse.stream;

import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.GenerationOptions;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.ImageUri;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.model.image.ImageDecoder;
import dev.glimpse.model.image.ImageException;
import dev.glimpse.model.image.ImageHeader;
import dev.glimpse.model.image.ImageLimits;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;

/**
 * Checks one event: cheap checks first (tasks, prompts, options), then the image: size, format and
 * pixel count from the header, then a full decode.
 *
 * <p>Why decode fully here: a truncated or corrupt file passes the header probe, and a bad image
 * found by the GPU worker would cost a batch slot and surface as MODEL_ERROR. Decoding a 10 MiB
 * image costs tens of milliseconds of ingest CPU; the decoded pixels are thrown away (requests
 * carry the encoded file, which is smaller).
 */
public final class EventValidator {
  private final IngestConfig.Limits limits;
  private final ImageDecoder decoder;
  private final ImageFetcher fetcher;

  public EventValidator(IngestConfig.Limits limits, ImageFetcher fetcher) {
    this.limits = limits;
    this.decoder = new ImageDecoder(new ImageLimits(limits.maxImageBytes(), limits.maxPixels()));
    this.fetcher = fetcher;
  }

  public ValidEvent validate(ImageEvent event) {
    if (event.getEventId().isBlank()) {
      throw new Rejected(
          ErrorCode.MISSING_EVENT_ID,
          "the event has no event_id: give every event a unique id (results and dead letters"
              + " refer to it)");
    }
    checkTasks(event);
    checkOptions(event.getOptions());
    byte[] image = imageBytes(event.getImage());
    ImageHeader header = checkImage(image);
    return new ValidEvent(event, image, header);
  }

  private void checkTasks(ImageEvent event) {
    var tasks = event.getTasks();
    if (tasks == null || tasks.isEmpty()) {
      throw new Rejected(
          ErrorCode.NO_TASKS,
          "event "
              + event.getEventId()
              + " has no tasks: add at least one CaptionTask, QuestionTask or ModerationTask");
    }
    if (tasks.size() > limits.maxTasks()) {
      throw new Rejected(
          ErrorCode.TOO_MANY_TASKS,
          "event "
              + event.getEventId()
              + " has "
              + tasks.size()
              + " tasks, more than "
              + limits.maxTasks()
              + ": split it into several events");
    }
    for (int i = 0; i < tasks.size(); i++) {
      Object task = tasks.get(i);
      if (task instanceof QuestionTask q) {
        String question = q.getQuestion() == null ? "" : q.getQuestion().strip();
        if (question.isEmpty()) {
          throw new Rejected(
              ErrorCode.EMPTY_QUESTION,
              "task "
                  + i
                  + " of event "
                  + event.getEventId()
                  + " is a question with no text: write the question");
        }
        checkPromptLength(event, i, question.length());
      } else if (task instanceof ModerationTask m) {
        int chars = m.getCategories().stream().mapToInt(String::length).sum();
        checkPromptLength(event, i, chars);
      }
    }
  }

  private void checkPromptLength(ImageEvent event, int taskIndex, int chars) {
    if (chars > limits.maxPromptChars()) {
      throw new Rejected(
          ErrorCode.PROMPT_TOO_LONG,
          "task "
              + taskIndex
              + " of event "
              + event.getEventId()
              + " has "
              + chars
              + " characters of prompt, more than "
              + limits.maxPromptChars()
              + ": shorten it");
    }
  }

  private void checkOptions(GenerationOptions options) {
    if (options == null) {
      return;
    }
    Integer maxNew = options.getMaxNewTokens();
    if (maxNew != null && (maxNew < 1 || maxNew > limits.maxNewTokens())) {
      throw invalidOption("max_new_tokens", maxNew, "1.." + limits.maxNewTokens());
    }
    Float temperature = options.getTemperature();
    if (temperature != null && !(temperature >= 0 && temperature <= 5)) {
      throw invalidOption("temperature", temperature, "0..5 (0: greedy)");
    }
    Float topP = options.getTopP();
    if (topP != null && !(topP > 0 && topP <= 1)) {
      throw invalidOption("top_p", topP, "(0, 1]");
    }
    Integer topK = options.getTopK();
    if (topK != null && topK < 0) {
      throw invalidOption("top_k", topK, "0 or more (0: off)");
    }
  }

  private static Rejected invalidOption(String name, Object value, String range) {
    return new Rejected(
        ErrorCode.INVALID_OPTIONS,
        "generation option "
            + name
            + "="
            + value
            + " is out of range: use "
            + range
            + ", or leave it null for the default");
  }

  private byte[] imageBytes(Object image) {
    if (image instanceof InlineImage inline) {
      ByteBuffer data = inline.getData();
      byte[] bytes = new byte[data.remaining()];
      data.duplicate().get(bytes);
      if (bytes.length > limits.maxImageBytes()) {
        throw tooLarge(bytes.length);
      }
      return bytes;
    }
    if (image instanceof ImageUri ref) {
      URI uri;
      try {
        uri = new URI(ref.getUri());
      } catch (URISyntaxException e) {
        throw new Rejected(
            ErrorCode.URI_NOT_ALLOWED,
            "'"
                + ref.getUri()
                + "' is not a URI ("
                + e.getReason()
                + "): send an http(s) URL, or a file: URI under the root ingest allows");
      }
      return fetcher.fetch(uri, limits.maxImageBytes());
    }
    throw new IllegalStateException("unknown image branch " + image);
  }

  private ImageHeader checkImage(byte[] image) {
    try {
      ImageHeader header = decoder.probe(image); // refuses pixel bombs before decoding
      decoder.decodeRgb(image); // catches truncated and corrupt pixel data
      return header;
    } catch (ImageException e) {
      throw new Rejected(
          code(e.code()), e.reason(), e); // the reason alone: the dead letter carries its own code
    }
  }

  private Rejected tooLarge(long bytes) {
    return new Rejected(
        ErrorCode.IMAGE_TOO_LARGE,
        "the image has "
            + bytes
            + " bytes, more than the limit of "
            + limits.maxImageBytes()
            + ": send a smaller or more compressed file");
  }

  static ErrorCode code(ImageException.Code code) {
    return switch (code) {
      case EMPTY -> ErrorCode.EMPTY_IMAGE;
      case TOO_LARGE -> ErrorCode.IMAGE_TOO_LARGE;
      case NOT_AN_IMAGE -> ErrorCode.NOT_AN_IMAGE;
      case UNSUPPORTED_FORMAT -> ErrorCode.UNSUPPORTED_FORMAT;
      case TOO_MANY_PIXELS -> ErrorCode.TOO_MANY_PIXELS;
      case TRUNCATED -> ErrorCode.TRUNCATED_IMAGE;
      case CORRUPT -> ErrorCode.CORRUPT_IMAGE;
    };
  }
}
