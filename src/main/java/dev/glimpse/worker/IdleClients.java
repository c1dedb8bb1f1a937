package dev.glimpse.worker;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * With {@code glimpse.worker.client.threads.idle}, the worker's Kafka client threads run in Linux's
 * idle class ({@link IdleThreads}) and leave the cores to the model: the producer's network thread
 * and the consumer's background thread (started as the clients are made, on a thread in that class,
 * so they inherit it), the commit thread (which puts itself in it), and the consumer's heartbeat
 * thread (started by a poll of the loop thread, which stays normal: found by its name, which holds
 * the group id, once the group is joined). The loop thread, which polls and runs the model, keeps
 * the normal class. Off, nothing changes.
 */
final class IdleClients {
  /** What Kafka's classic consumer names its heartbeat thread (followed by the group id). */
  static final String HEARTBEAT_THREAD = "kafka-coordinator-heartbeat-thread";

  private final boolean on;
  private final Set<Integer> demoted = new HashSet<>();

  IdleClients(boolean on) {
    this.on = on;
  }

  /** {@code client} made on a thread in the idle class when on, else here. */
  <T> T make(String what, Supplier<T> client) {
    return on ? IdleThreads.call("glimpse-worker-" + what, client::get) : client.get();
  }

  /** {@code task}, which puts the thread that runs it in the idle class first when on. */
  Runnable onThread(Runnable task) {
    return on ? IdleThreads.demotingFirst(task) : task;
  }

  /**
   * After each join of {@code groupId}: the consumer's heartbeat thread (Kafka names it after the
   * group) into the idle class, once.
   */
  void joined(String groupId) {
    if (!on) {
      return;
    }
    for (int tid : IdleThreads.idsOfThreadsNamed(HEARTBEAT_THREAD + " | " + groupId)) {
      if (demoted.add(tid)) {
        IdleThreads.demote(tid);
      }
    }
  }
}
