package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.stream.Ingest;
import dev.glimpse.stream.TestEvents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images by {@code file:} reference on a real broker: ingest reads a file under {@code
 * glimpse.image.file.root} and the worker captions it; a reference out of the root, by {@code ..}
 * or by a link, is a dead letter with its code, and nothing else of its event runs.
 */
class ImageFileReferencesIT {
  @TempDir Path tmp;

  @Test
  void aFileUnderTheRootIsCaptionedAndOnesOutsideItAreDeadLettered() throws Exception {
    Path root = Files.createDirectory(tmp.resolve("shared volume"));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        VisionLanguageModel model = PipelineScenario.tinyModel()) {
      PipelineScenario scenario = new PipelineScenario(broker.bootstrapServers(), model);
      Path inside = Files.write(root.resolve("inside.png"), scenario.image(0));
      Path outside = Files.write(tmp.resolve("outside.png"), scenario.image(1));
      Path link = Files.createSymbolicLink(root.resolve("link.png"), outside);
      String run = scenario.runId();
      Map<String, String> uris =
          Map.of(
              "inside-" + run, inside.toUri().toString(),
              "dotdot-" + run, root.toUri() + "../outside.png",
              "link-" + run, link.toUri().toString());

      try (Ingest ingest =
              scenario.startIngest(Map.of("glimpse.image.file.root", root.toString()));
          PipelineScenario.Outputs out = scenario.new Outputs(ingest);
          Worker worker = scenario.worker(ingest, 4)) {
        worker.start();
        try (var producer = scenario.producer()) {
          uris.forEach(
              (id, uri) ->
                  producer.send(
                      new ProducerRecord<>(
                          ingest.topics().images().name(),
                          id,
                          TestEvents.encode(TestEvents.uri(id, uri, List.of(new CaptionTask()))))));
          producer.flush();
        }

        out.pollUntil(
            () -> out.captions.size() >= 1 && out.deadLetters.size() >= 2,
            "a caption and two dead letters");
        out.settle(Duration.ofSeconds(2));

        assertEquals(Map.of("inside-" + run + "#0", 1), out.resultsPerTask);
        assertEquals(
            List.of("dotdot-" + run, "link-" + run),
            out.deadLetters.stream().map(DeadLetter::getEventId).sorted().toList());
        for (DeadLetter d : out.deadLetters) {
          assertEquals(ErrorCode.URI_NOT_ALLOWED, d.getCode(), d.getMessage());
          assertTrue(d.getMessage().contains("outside glimpse.image.file.root"), d.getMessage());
        }
      }
    }
  }
}
