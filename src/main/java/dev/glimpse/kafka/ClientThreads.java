package dev.glimpse.kafka;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The live threads of a Kafka client, found by the id its threads are named after (a Streams
 * application id, a client.id). What a close that ran out of time left behind, and where each of
 * those threads is stuck: the frames that say why it did not stop.
 */
public final class ClientThreads {
  /** Frames per thread in {@link #describe}: enough to see the blocking call and who made it. */
  private static final int FRAMES = 12;

  private ClientThreads() {}

  /** The threads alive now whose name contains {@code id}. */
  public static List<Thread> alive(String id) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().contains(id))
        .toList();
  }

  /** Each live thread named after {@code id}: name, state and top frames; "none" when none is. */
  public static String describe(String id) {
    return describe(alive(id));
  }

  /** Each of {@code threads} still alive: name, state and top frames; "none" when none is. */
  public static String describe(Collection<Thread> threads) {
    String found =
        threads.stream()
            .filter(Thread::isAlive)
            .map(t -> t.getName() + " (" + t.getState() + ")" + frames(t.getStackTrace()))
            .collect(Collectors.joining("; "));
    return found.isEmpty() ? "none" : found;
  }

  private static String frames(StackTraceElement[] stack) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(FRAMES, stack.length); i++) {
      out.append(i == 0 ? " at " : " < ").append(stack[i]);
    }
    return out.toString();
  }
}
