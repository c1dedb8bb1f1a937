package dev.glimpse.cli;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

/**
 * Asks the cluster for its nodes before a command starts its clients. Kafka clients retry an absent
 * broker quietly for a minute or forever (a consumer's poll); a user or supervisor needs one line
 * that says so, soon.
 */
final class BrokerProbe {
  /** Setting that changes how long to wait, in milliseconds (tests use less). */
  static final String WAIT_SETTING = "glimpse.broker.wait.ms";

  static final Duration DEFAULT_WAIT = Duration.ofSeconds(15);

  private BrokerProbe() {}

  /**
   * Returns when a broker answered.
   *
   * @throws Errors.UserError BROKER_UNREACHABLE when none did within {@code wait}
   */
  static void await(Map<String, String> clientProperties, Duration wait) {
    String servers = clientProperties.getOrDefault(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "?");
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(wait.toMillis()));
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "glimpse-broker-probe");
    Admin admin;
    try {
      admin = Admin.create(p);
    } catch (KafkaException e) {
      throw unreachable(servers, wait, " (" + rootMessage(e) + ")");
    }
    try {
      if (admin.describeCluster().nodes().get(wait.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
        throw unreachable(servers, wait, " (the cluster has no nodes)");
      }
    } catch (TimeoutException e) {
      throw unreachable(servers, wait, "");
    } catch (ExecutionException e) {
      // the client's own deadline can pass a moment before ours: the same silence (Kafka's
      // TimeoutException, written out: java.util.concurrent's, imported, has its name)
      throw unreachable(
          servers,
          wait,
          e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
              ? ""
              : " (" + rootMessage(e) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(servers, wait, " (interrupted)");
    } finally {
      admin.close(Duration.ZERO);
    }
  }

  private static Errors.UserError unreachable(String servers, Duration wait, String why) {
    return new Errors.UserError(
        "BROKER_UNREACHABLE",
        "no Kafka broker answered at "
            + servers
            + " within "
            + seconds(wait)
            + why
            + "; check --bootstrap-servers and that Kafka is up");
  }

  private static String seconds(Duration wait) {
    long ms = wait.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
