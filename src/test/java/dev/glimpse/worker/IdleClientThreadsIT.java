package dev.glimpse.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import dev.glimpse.kafka.EmbeddedKafkaBroker;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.stream.Ingest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code glimpse.worker.client.threads.idle} on a real broker: the worker's producer network
 * thread, heartbeat thread and commit thread run in Linux's idle class, its loop (which runs the
 * model) keeps the normal class, no other thread of the process changes, and every task is still
 * answered once.
 */
class IdleClientThreadsIT {
  @Test
  void theWorkersKafkaThreadsAreIdleItsLoopIsNotAndEveryTaskIsAnsweredOnce() throws Exception {
    assumeTrue(Platform.isLinux(), "the idle scheduling class is Linux's");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        VisionLanguageModel model = PipelineScenario.tinyModel()) {
      PipelineScenario scenario = new PipelineScenario(broker.bootstrapServers(), model);
      Map<Integer, String> idleBefore = idleThreads();
      try (Ingest ingest = scenario.startIngest();
          PipelineScenario.Outputs out = scenario.new Outputs(ingest);
          Worker worker =
              scenario.worker(
                  ingest,
                  4,
                  WorkerClients.KAFKA,
                  Map.of("glimpse.worker.client.threads.idle", "true"))) {
        worker.start();
        scenario.produceGood(ingest, 0, 2);
        out.pollUntil(
            () -> out.results() >= 2 * PipelineScenario.TASKS_PER_EVENT, "every task of 2 events");
        out.settle(Duration.ofSeconds(1));
        out.assertEveryTaskOnce(2);

        Map<String, Integer> idleNow = new TreeMap<>();
        idleThreads()
            .forEach(
                (tid, name) -> {
                  if (!idleBefore.containsKey(tid)) {
                    idleNow.merge(name, 1, Integer::sum);
                  }
                });
        // Linux keeps 15 characters of a thread's name
        assertEquals(
            Map.of("glimpse-worker-", 1, "kafka-coordinat", 1, "kafka-producer-", 1),
            idleNow,
            "threads that went idle: the commit thread, the heartbeat thread, the producer's");
        Set<Integer> loop = IdleThreads.idsOfThreadsNamed("glimpse-worker");
        assertEquals(1, loop.size(), "the loop thread");
        assertFalse(
            IdleThreads.isIdle(loop.iterator().next()), "the loop thread, which runs the model");
      }
    }
  }

  /** This process's threads in the idle class, by id, with their Linux names. */
  private static Map<Integer, String> idleThreads() throws IOException {
    Map<Integer, String> idle = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        int tid = Integer.parseInt(task.getFileName().toString());
        try {
          String name = name(tid);
          if (IdleThreads.isIdle(tid)) {
            idle.put(tid, name);
          }
        } catch (NoSuchFileException e) {
          // ended meanwhile
        }
      }
    }
    return idle;
  }

  private static String name(int tid) throws IOException {
    return Files.readString(Path.of("/proc/self/task/" + tid + "/comm"), StandardCharsets.UTF_8)
        .strip();
  }
}
