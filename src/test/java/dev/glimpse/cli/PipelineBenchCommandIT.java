package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.kafka.ClientThreads;
import java.util.List;
import java.util.Map;
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
    // per task ran first and last, the engine before and after each of the 2 Kafka runs: each
    // figure is the mean of its path's runs
    assertEquals(2, report.path("rounds").asInt());
    Map<String, String> figures =
        Map.of(
            "per_task_runs_images_per_s", "per_task_images_per_s",
            "engine_runs_images_per_s", "engine_images_per_s",
            "kafka_runs_images_per_s", "images_per_s");
    Map<String, Integer> counts =
        Map.of(
            "per_task_runs_images_per_s", 2,
            "engine_runs_images_per_s", 3,
            "kafka_runs_images_per_s", 2);
    figures.forEach(
        (runsField, figure) -> {
          JsonNode runs = report.path(runsField);
          assertEquals(counts.get(runsField), runs.size(), runsField + " in " + report);
          double sum = 0;
          for (JsonNode r : runs) {
            sum += r.asDouble();
          }
          assertEquals(sum / runs.size(), report.path(figure).asDouble(), 0.011, figure);
        });
    for (String path : List.of("engine", "kafka")) {
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
