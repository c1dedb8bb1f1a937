package dev.glimpse.pipeline;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.GenerationOptions;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.ImageUri;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.kafka.CarriedHeaders;
import dev.glimpse.kafka.Topic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes images as {@link ImageEvent}s, one per file, keyed by event id, each with the topic's
 * {@code content-type} header. The file's bytes go inline (or its {@code file:} URI, by reference)
 * whatever they are: deciding what is an image is ingest's job, and what it refuses becomes a dead
 * letter. Every send has a {@link Published#delivery()} that says whether the broker took it: a
 * caller must look, or files vanish without a word.
 */
public final class EventPublisher implements AutoCloseable {

  /** The tasks every published event asks for. */
  public record Tasks(
      boolean caption,
      String question,
      boolean moderate,
      List<String> categories,
      Integer maxNewTokens) {
    public Tasks {
      categories = List.copyOf(categories);
    }

    public List<Object> toTasks() {
      List<Object> tasks = new ArrayList<>();
      if (caption) {
        tasks.add(new CaptionTask());
      }
      if (question != null && !question.isBlank()) {
        tasks.add(new QuestionTask(question));
      }
      if (moderate) {
        tasks.add(new ModerationTask(categories));
      }
      return tasks;
    }

    public int count() {
      return toTasks().size();
    }
  }

  /**
   * One event handed to the producer.
   *
   * @param delivery completes when the broker acknowledged it, or fails with why it did not
   */
  public record Published(
      String eventId,
      Path file,
      int tasks,
      long publishedAtNanos,
      CompletableFuture<RecordMetadata> delivery) {}

  private final KafkaProducer<String, byte[]> producer;
  private final Topic<String, ImageEvent> topic;
  private final String clientId;

  public EventPublisher(
      Map<String, String> clientProperties, Topic<String, ImageEvent> topic, String clientId) {
    Properties p = new Properties();
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(12 << 20));
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // a broker that goes away fails each send within a minute, not after 2 minutes of retries
    // plus a minute blocked on metadata per send (16 minutes for a folder of 8 files)
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.putAll(clientProperties);
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.clientId = clientId;
  }

  /**
   * Every regular file of a folder, sorted by name. Subfolders are not descended into; each one
   * goes to {@code skippedFolder} (in name order), so that a caller can say so instead of leaving a
   * user to wonder where those images went.
   */
  public static List<Path> files(Path dir, Consumer<Path> skippedFolder) {
    List<Path> entries;
    try (Stream<Path> listing = Files.list(dir)) {
      entries = listing.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    entries.stream().filter(Files::isDirectory).forEach(skippedFolder);
    return entries.stream().filter(Files::isRegularFile).toList();
  }

  /** Publishes one file; the event id is its file name. */
  public Published publish(Path file, Tasks tasks) {
    try {
      return publish(file.getFileName().toString(), Files.readAllBytes(file), file, tasks);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public Published publish(String eventId, byte[] bytes, Path file, Tasks tasks) {
    return publishImage(
        eventId, new InlineImage(ByteBuffer.wrap(bytes), contentType(eventId)), file, tasks);
  }

  /**
   * Publishes one file by reference: the event carries the {@code file:} URI of its absolute path
   * instead of its bytes, for an ingest that reads the same volume ({@code
   * glimpse.image.file.root}). The file is not read here; the event id is its file name.
   */
  public Published publishReference(Path file, Tasks tasks) {
    // not normalized: removing "dir/.." by its letters names another file when dir is a link
    String uri = file.toAbsolutePath().toUri().toString();
    return publishImage(file.getFileName().toString(), new ImageUri(uri), file, tasks);
  }

  private Published publishImage(String eventId, Object image, Path file, Tasks tasks) {
    ImageEvent event =
        ImageEvent.newBuilder()
            .setEventId(eventId)
            .setClientId(clientId)
            .setSource(file == null ? "generated" : file.toString())
            .setTimestamp(Instant.now())
            .setImage(image)
            .setTasks(tasks.toTasks())
            .setOptions(
                tasks.maxNewTokens() == null
                    ? null
                    : new GenerationOptions(tasks.maxNewTokens(), null, null, null, null))
            .setAttributes(Map.of())
            .build();
    long now = System.nanoTime();
    return new Published(eventId, file, tasks.count(), now, send(topic, eventId, event));
  }

  /**
   * Writes the dead letter ingest would have written for a file the broker cannot carry (its event
   * is over the topic's record limit, so ingest never sees it): IMAGE_TOO_LARGE, the event id, the
   * exact size, no copy of the bytes.
   */
  public CompletableFuture<RecordMetadata> deadLetterTooLarge(
      Topic<String, DeadLetter> dlq, String eventId, long bytes, String why) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setCode(ErrorCode.IMAGE_TOO_LARGE)
            .setMessage(
                "the image has "
                    + bytes
                    + " bytes; its event cannot be published to "
                    + topic.name()
                    + " ("
                    + why
                    + "): send a smaller image")
            .setEventId(eventId)
            .setTopic(topic.name())
            .setPartition(-1)
            .setOffset(-1)
            .setOriginalKey(ByteBuffer.wrap(eventId.getBytes(StandardCharsets.UTF_8)))
            .setOriginalValue(null)
            .setTimestamp(Instant.now())
            .build();
    return send(dlq, eventId, letter);
  }

  /**
   * Sends with the {@code content-type} header every record Glimpse writes carries
   * (schemas/README.md).
   */
  private <V> CompletableFuture<RecordMetadata> send(Topic<String, V> to, String key, V value) {
    CompletableFuture<RecordMetadata> delivery = new CompletableFuture<>();
    try {
      byte[] bytes = to.valueSerde().serializer().serialize(to.name(), value);
      Headers headers = CarriedHeaders.of((Header[]) null, to.contentType());
      producer.send(
          new ProducerRecord<>(to.name(), null, key, bytes, headers),
          (metadata, e) -> {
            if (e != null) {
              delivery.completeExceptionally(e);
            } else {
              delivery.complete(metadata);
            }
          });
    } catch (KafkaException e) {
      // thrown rather than passed to the callback: e.g. metadata not available within max.block.ms
      delivery.completeExceptionally(e);
    }
    return delivery;
  }

  private static String contentType(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".png")) {
      return "image/png";
    }
    if (n.endsWith(".jpg") || n.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    if (n.endsWith(".webp")) {
      return "image/webp";
    }
    if (n.endsWith(".gif")) {
      return "image/gif";
    }
    return null;
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
