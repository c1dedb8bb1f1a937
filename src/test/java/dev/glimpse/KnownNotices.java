package dev.glimpse;

import java.io.PrintStream;
import java.util.List;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Log records that every run of the suite prints by design and no one test provokes, left off the
 * console for the whole run by exact message (through {@link ExpectedLog.FilteringStream}): their
 * logger's other records, which do say something, still print. Registered through
 * META-INF/services, as {@link SkipReasons} is.
 *
 * <ul>
 *   <li>Every shutdown of a KRaft controller (so of each embedded broker) warns that it closes a
 *       NetworkClient twice: Kafka's ControllerServer.shutdown closes its registration manager,
 *       whose shutdown event shuts the "registration" channel manager down, and then shuts that
 *       same channel manager down itself. Nothing in our close order causes it.
 *   <li>A fresh broker races itself creating its group offsets and transaction state topics:
 *       coordinator lookups that come after the topic was created and before the broker's metadata
 *       shows it each ask again and are told it exists (one admin lookup with its retries, alone on
 *       the broker, does it too). The topic is there, as the lookups wanted.
 *   <li>A transactional producer whose previous transaction is still ending is told
 *       CONCURRENT_TRANSACTIONS and retries, as designed (KIP-890).
 * </ul>
 *
 * The product's own logging config keeps org.apache.kafka and kafka at ERROR, so only the tests'
 * WARN default shows these.
 */
public final class KnownNotices implements TestExecutionListener {
  static final List<String> MESSAGES =
      List.of(
          "[NodeToControllerChannelManager id=1 name=registration] Attempting to close"
              + " NetworkClient that has already been closed.",
          "Auto topic creation failed for __consumer_offsets with error 'TOPIC_ALREADY_EXISTS'",
          "Auto topic creation failed for __transaction_state with error 'TOPIC_ALREADY_EXISTS'",
          "attempts left). Error: CONCURRENT_TRANSACTIONS");

  private PrintStream previous;

  @Override
  public void testPlanExecutionStarted(TestPlan plan) {
    previous = System.err;
    System.setErr(new ExpectedLog.FilteringStream(previous, MESSAGES));
  }

  @Override
  public void testPlanExecutionFinished(TestPlan plan) {
    if (previous != null) {
      System.setErr(previous);
      previous = null;
    }
  }
}
