package dev.glimpse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OneShotThreadTest {
  // Linux names a thread by its first 15 bytes; OpenMP's threads inherit their creator's name
  private static final String NAME = "glimpse-omp-tst";

  @Test
  void theOpenMpThreadsOfAParallelOperationEndWithTheThreadThatRanIt() throws InterruptedException {
    assumeTrue(
        Runtime.getRuntime().availableProcessors() >= 2 && Files.isDirectory(Path.of("/proc")),
        "needs two cores (an OpenMP pool of more than one thread) and Linux's /proc");

    long during =
        OneShotThread.call(
            NAME,
            () -> {
              try (NDManager manager = NDManager.newBaseManager()) {
                NDArray a = manager.ones(new Shape(512, 512));
                a.matMul(a).sum().getFloat(); // a parallel GEMM: its OpenMP pool now exists
              }
              return threadsNamed(NAME);
            });

    assertTrue(during >= 2, "the thread and its OpenMP pool, while it ran: " + during);
    // the ending thread releases its pool, whose threads then leave on their own
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (threadsNamed(NAME) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, threadsNamed(NAME), "threads of the pool left after its thread ended");
  }

  @Test
  void returnsTheValueAndThrowsWhatTheWorkThrew() {
    assertEquals(42, OneShotThread.call("glimpse-test", () -> 42));
    IllegalArgumentException thrown = new IllegalArgumentException("bad");
    assertSame(
        thrown,
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OneShotThread.call(
                    "glimpse-test",
                    () -> {
                      throw thrown;
                    })));
    assertTrue(
        assertThrows(
                    IllegalStateException.class,
                    () ->
                        OneShotThread.call(
                            "glimpse-test",
                            () -> {
                              throw new IOException("checked");
                            }))
                .getCause()
            instanceof IOException);
  }

  /** This process's threads, native ones included, whose name is {@code name}. */
  private static long threadsNamed(String name) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      return tasks.filter(t -> name.equals(comm(t))).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String comm(Path task) {
    try {
      return Files.readString(task.resolve("comm")).strip();
    } catch (IOException e) {
      return ""; // the thread ended while we looked
    }
  }
}
