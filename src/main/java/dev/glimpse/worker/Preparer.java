package dev.glimpse.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Decodes and preprocesses images on a small pool of threads, so that the model thread never waits
 * for a JPEG decode while prepared work is queued. The model thread submits jobs and drains what is
 * ready between its own steps; how many images are in preparation at once is bounded by the
 * worker's queue budget, which admits the jobs.
 */
final class Preparer implements AutoCloseable {

  /** A job's image made ready for the vision tower, or why it could not be. */
  record Prepared(Job job, float[] pixels, Throwable error, long millis) {}

  private final Function<byte[], float[]> preprocess;
  private final ExecutorService pool;
  private final ConcurrentLinkedQueue<Prepared> ready = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  Preparer(Function<byte[], float[]> preprocess, int threads) {
    this.preprocess = preprocess;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "glimpse-prepare-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  void submit(Job job) {
    inFlight.incrementAndGet();
    pool.execute(
        () -> {
          long start = System.nanoTime();
          Prepared done;
          try {
            done =
                new Prepared(
                    job,
                    preprocess.apply(job.imageBytes()),
                    null,
                    (System.nanoTime() - start) / 1_000_000);
          } catch (Throwable e) {
            // handed to the model thread, which fails the job or, for an Error, stops the worker
            done = new Prepared(job, null, e, (System.nanoTime() - start) / 1_000_000);
          }
          ready.add(done);
          inFlight.decrementAndGet();
        });
  }

  /** Everything prepared since the last call. */
  List<Prepared> drain() {
    List<Prepared> out = new ArrayList<>();
    for (Prepared p; (p = ready.poll()) != null; ) {
      out.add(p);
    }
    return out;
  }

  /** Images submitted and not yet drained. */
  int pending() {
    return inFlight.get() + ready.size();
  }

  /** Images submitted and not yet ready to drain. */
  int inPreparation() {
    return inFlight.get();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
