package dev.glimpse.worker;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The worker's transactions, one at a time, on a thread of their own: the loop hands over a release
 * and goes on with the model while the broker commits it (a commit is several round trips, and a
 * GPU that waited for each would idle), then collects how it ended. Only the producer is used on
 * that thread; the consumer stays the loop's.
 */
final class BackgroundCommits implements AutoCloseable {
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  /** How a release's transaction ended: committed, or aborted (nothing of it visible). */
  record Ended(List<ProducerRecord<String, byte[]>> records, boolean committed) {}

  private final TransactionalWriter writer;
  private final WorkerMetrics metrics;
  private final ExecutorService thread;
  private Future<Boolean> inFlight;
  private Outbox.Release release;

  BackgroundCommits(TransactionalWriter writer, WorkerMetrics metrics) {
    this(writer, metrics, UnaryOperator.identity());
  }

  /** The same, the commit thread running what {@code onThread} makes of its work (first steps). */
  BackgroundCommits(
      TransactionalWriter writer, WorkerMetrics metrics, UnaryOperator<Runnable> onThread) {
    this.writer = writer;
    this.metrics = metrics;
    this.thread =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread t = new Thread(onThread.apply(task), "glimpse-worker-commit");
              t.setDaemon(true);
              return t;
            });
  }

  /** Whether a transaction is in flight: the next one starts only after this one is collected. */
  boolean busy() {
    return inFlight != null;
  }

  /** Writes {@code release} and commits its offsets for {@code group}, in the background. */
  void start(Outbox.Release release, ConsumerGroupMetadata group) {
    if (busy()) {
      throw new IllegalStateException("a transaction is in flight already");
    }
    this.release = release;
    inFlight =
        thread.submit(
            () -> {
              long start = System.nanoTime();
              try {
                return writer.write(release, group);
              } finally {
                metrics.commitTook(System.nanoTime() - start);
              }
            });
  }

  /**
   * How the transaction in flight ended, once it has (waiting for it when {@code wait}); empty when
   * none is in flight or it is still going. What the writer threw (fenced, denied, a killed
   * process) is thrown here, on the loop's thread.
   */
  Optional<Ended> collect(boolean wait) {
    if (inFlight == null || (!wait && !inFlight.isDone())) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Ended(release.records(), await()));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } finally {
      inFlight = null;
      release = null;
    }
  }

  /**
   * For a rebalance callback: waits for the transaction in flight and returns how it ended; one
   * that threw is left for {@link #collect} after the poll, as a callback should not throw.
   */
  Optional<Ended> collectUnlessFailed() {
    if (inFlight == null) {
      return Optional.empty();
    }
    try {
      await();
    } catch (ExecutionException e) {
      return Optional.empty();
    }
    return collect(true);
  }

  private boolean await() throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return inFlight.get();
        } catch (InterruptedException e) {
          interrupted = true; // a transaction half-seen is worse than a late interrupt
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Stops the commit thread once the transaction in flight, if any, has ended (a clean stop leaves
   * none open); one still going after {@link #CLOSE_WAIT} is interrupted, and the broker aborts it
   * by its timeout.
   */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        thread.shutdownNow();
        thread.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
