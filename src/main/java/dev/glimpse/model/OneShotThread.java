package dev.glimpse.model;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs model work on a thread of its own that ends when the work does, so that the work leaves no
 * OpenMP threads behind. PyTorch's CPU operations run on libgomp, which keeps a pool of OpenMP
 * threads for every thread that ran a parallel operation until that thread ends; once it manages
 * more threads than there are cores, every barrier sleeps almost at once (100 spins instead of
 * 300,000) and each operation waits for a wake-up. A model loaded on one thread and run on another
 * paid that at every barrier: measured on 2 cores, 24.4 ms a decode step with the loader's pool
 * alive against 22.9 ms without. Work done before the serving thread starts (loading, a benchmark's
 * runs without Kafka) runs here, and the serving thread's pool is then the only one.
 */
public final class OneShotThread {
  private OneShotThread() {}

  /**
   * The value of {@code work}, computed on a new thread named {@code name}; what it throws is
   * thrown here (checked exceptions wrapped in an IllegalStateException).
   */
  public static <T> T call(String name, Callable<T> work) {
    AtomicReference<T> value = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                value.set(work.call());
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            name);
    thread.start();
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // the work holds native resources: let it end rather than abandon it
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable e = failure.get();
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    if (e != null) {
      throw new IllegalStateException(e);
    }
    return value.get();
  }
}
