package dev.glimpse.pipeline;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.GenerationOptions;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.kafka.Topic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes images as {@link ImageEvent}s, one per file, keyed by event id. The file's bytes go
 * inline whatever they are: deciding what is an image is ingest's job, and what it refuses
 * becomes a dead letter.
 */
public final class EventPublisher implements AutoCloseable {

  /** The tasks every published event asks for. */
  public record Tasks(boolean caption, String question, boolean moderate, List<String> categories,
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

  /** One published event. */
  public record Published(String eventId, Path file, int tasks, long publishedAtNanos) {}

  private final KafkaProducer<String, byte[]> producer;
  private final Topic<String, ImageEvent> topic;
  private final String clientId;

  public EventPublisher(Map<String, String> clientProperties, Topic<String, ImageEvent> topic, String clientId) {
    Properties p = new Properties();
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(12 << 20));
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.putAll(clientProperties);
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    this.topic = topic;
    this.clientId = clientId;
  }

  /** Every regular file of a folder, sorted by name. */
  public static List<Path> files(Path dir) {
    try (Stream<Path> listing = Files.list(dir)) {
      return listing.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
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
    ImageEvent event = ImageEvent.newBuilder()
        .setEventId(eventId)
        .setClientId(clientId)
        .setSource(file == null ? "generated" : file.toString())
        .setTimestamp(Instant.now())
        .setImage(new InlineImage(ByteBuffer.wrap(bytes), contentType(eventId)))
        .setTasks(tasks.toTasks())
        .setOptions(tasks.maxNewTokens() == null ? null
            : new GenerationOptions(tasks.maxNewTokens(), null, null, null, null))
        .setAttributes(Map.of())
        .build();
    long now = System.nanoTime();
    producer.send(new ProducerRecord<>(topic.name(), eventId, topic.valueSerde().serializer().serialize(topic.name(),
        event)));
    return new Published(eventId, file, tasks.count(), now);
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
