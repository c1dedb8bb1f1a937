package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.ImageUri;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.kafka.Contract;
import dev.glimpse.stream.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code produce} on a real broker: a file the broker refuses is named, and the exit code says so.
 */
class ProduceCommandIT {
  @TempDir Path tmp;

  @Test
  void aFileTooLargeToPublishIsNamedWithItsSizeAndTheCommandExitsNonZero() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    Files.write(images.resolve("a-small.png"), TestImages.png(1));
    Files.write(images.resolve("b-huge.png"), new byte[13 << 20]);
    Files.write(images.resolve("c-small.png"), TestImages.png(2));
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      CommandRun r = produce(broker, images);

      assertEquals(1, r.exitCode(), r.err());
      assertEquals("published a-small.png\npublished c-small.png", r.out().strip());
      List<String> lines = r.errLines();
      assertEquals(2, lines.size(), r.err());
      assertTrue(
          lines
              .get(0)
              .startsWith(
                  "glimpse: NOT_PUBLISHED: b-huge.png (13631488 bytes): "
                      + "org.apache.kafka.common.errors.RecordTooLargeException"),
          lines.get(0));
      assertTrue(
          lines.get(1).startsWith("glimpse: PUBLISH_FAILED: 1 of 3 files were not published"),
          lines.get(1));
      assertEquals(
          List.of("a-small.png", "c-small.png"),
          keysOn(broker.bootstrapServers(), "glimpse.images"));
    }
  }

  @Test
  void eachSkippedSubfolderIsNamedOnItsOwnLineAndTheFilesBesideItArePublished() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("images"));
    Files.write(images.resolve("a-small.png"), TestImages.png(1));
    Path nested = Files.createDirectory(images.resolve("b-nested"));
    Files.write(nested.resolve("inside.png"), TestImages.png(2));
    Path empty = Files.createDirectory(images.resolve("c-empty"));
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      CommandRun r = produce(broker, images);

      assertEquals(0, r.exitCode(), r.err());
      assertEquals(
          List.of(
              "glimpse: SKIPPED_FOLDER: "
                  + nested
                  + " is a subfolder and is not published (--images takes the files"
                  + " directly in "
                  + images
                  + "; publish it with its own --images "
                  + nested
                  + ")",
              "glimpse: SKIPPED_FOLDER: "
                  + empty
                  + " is a subfolder and is not published (--images takes the files"
                  + " directly in "
                  + images
                  + "; publish it with its own --images "
                  + empty
                  + ")"),
          r.errLines());
      assertEquals(List.of("a-small.png"), keysOn(broker.bootstrapServers(), "glimpse.images"));
    }
  }

  @Test
  void byReferenceEachEventCarriesTheFilesUriAndEveryEventItsContentType() throws Exception {
    Path images = Files.createDirectory(tmp.resolve("shared images"));
    Files.write(images.resolve("a.png"), TestImages.png(1));
    try (BrokerWithTopics broker = BrokerWithTopics.start()) {
      for (String[] extra : List.of(new String[] {"--by-reference"}, new String[0])) {
        CommandRun r = produce(broker, images, extra);
        assertEquals(0, r.exitCode(), r.err());
      }

      List<ConsumerRecord<String, byte[]>> records =
          recordsOn(broker.bootstrapServers(), "glimpse.images");
      assertEquals(2, records.size());
      Contract contract = Contract.current();
      for (ConsumerRecord<String, byte[]> r : records) {
        assertEquals(
            contract.imageEvents().contentType(),
            new String(r.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8));
      }
      Object byReference =
          contract.imageEvents().deserialize("glimpse.images", records.get(0).value()).getImage();
      assertEquals(
          new ImageUri(images.resolve("a.png").toAbsolutePath().toUri().toString()), byReference);
      assertTrue(
          ((ImageUri) byReference).getUri().startsWith("file:///")
              && ((ImageUri) byReference).getUri().contains("shared%20images/a.png"),
          byReference.toString());
      Object inline =
          contract.imageEvents().deserialize("glimpse.images", records.get(1).value()).getImage();
      assertTrue(inline instanceof InlineImage, inline.toString());
    }
  }

  private static CommandRun produce(BrokerWithTopics broker, Path images, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "produce",
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--images",
                images.toString()));
    args.addAll(List.of(more));
    return CommandRun.of(args);
  }

  private static List<String> keysOn(String bootstrap, String topic) {
    List<String> keys =
        new ArrayList<>(recordsOn(bootstrap, topic).stream().map(ConsumerRecord::key).toList());
    keys.sort(null);
    return keys;
  }

  /** Every record of the topic, partition by partition, each in offset order. */
  private static List<ConsumerRecord<String, byte[]>> recordsOn(String bootstrap, String topic) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }
}
