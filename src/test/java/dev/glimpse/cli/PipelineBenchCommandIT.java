package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.kafka.ClientThreads;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bench-pipeline} on the fixture: its last line is the JSON the issue spells out, the
 * image-level path encodes each image once, and the Kafka side it started is gone when it returns.
 * What it measures is printed, never asserted: the fixture is too small to time.
 */
class PipelineBenchCommandIT {
  private static final String FIXTURE = "src/test/resources/fixtures/llava-tiny-a";

  @AfterEach
  void nothingOfTheKafkaSideOutlivesTheBenchmark() {
    assertEquals("none", ClientThreads.describe("glimpse-ingest-"), "ingest's threads");
    assertEquals("none", ClientThreads.describe("| glimpse-worker"), "the worker's consumer");
    assertTrue(
        ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive),
        "a broker or ingest process outlived the benchmark");
  }

  @ParameterizedTest
  @ValueSource(strings = {"processes", "in-process"})
  void theMixedWorkloadPrintsEveryFigureWithOneVisionPassPerImage(String kafkaSide)
      throws Exception {
    CommandRun run =
        CommandRun.of(
            "bench-pipeline",
            "--model",
            FIXTURE,
            "--workload",
            "mixed",
            "--events",
            "6",
            "--batch",
            "2",
            "--new-tokens",
            "4",
            "--kafka-side",
            kafkaSide);

    assertEquals(0, run.exitCode(), run.err());
    List<String> lines = run.outLines();
    JsonNode report = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    for (String field :
        List.of(
            "images_per_s",
            "engine_images_per_s",
            "per_task_images_per_s",
            "ratio",
            "speedup",
            "latency_p50_ms",
            "latency_p99_ms")) {
      assertTrue(report.path(field).asDouble() > 0, field + " in " + report);
    }
    assertEquals(1.0, report.path("vision_runs_per_image").asDouble(), report.toString());
    assertTrue(report.path("prefill_tokens_per_image").asDouble() > 0, report.toString());
    assertEquals(6, report.path("events").asInt());
    assertEquals(3, report.path("tasks_per_image").asInt());
    assertEquals(kafkaSide, report.path("kafka_side").asText());
    assertEquals(
        kafkaSide.equals("processes"), report.has("kafka_side_cpu_s"), "CPU of the processes");
    // each path without Kafka ran before and after the Kafka run; its figure is their mean
    for (String path : List.of("engine", "per_task")) {
      JsonNode runs = report.path(path + "_runs_images_per_s");
      assertEquals(2, runs.size(), path + " runs in " + report);
      assertEquals(
          (runs.get(0).asDouble() + runs.get(1).asDouble()) / 2,
          report.path(path + "_images_per_s").asDouble(),
          0.011,
          path + " in " + report);
    }
    for (String path : List.of("engine", "kafka", "engine_after")) {
      JsonNode stages = report.path("stages").path(path);
      for (String stage : List.of("vision", "prefix_prefill", "suffix_prefill", "decode")) {
        assertTrue(
            stages.path(stage).path("calls").asInt() > 0, path + " " + stage + ": " + stages);
      }
    }
    assertTrue(
        report.path("stages").path("kafka").path("commit").path("calls").asInt() > 0,
        "the Kafka run committed transactions: " + report);
    assertTrue(run.err().contains("warm-up Kafka, round 1"), run.err());
  }
}
