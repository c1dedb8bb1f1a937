package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.ExpectedLog;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.FromStart;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import dev.glimpse.model.Fixture;
import dev.glimpse.model.ModelId;
import dev.glimpse.pipeline.EventPublisher;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults in the suite: broker ({@code glimpse broker --data}), ingest and two workers as processes
 * while a stream of events (caption, question and moderation each, every image distinct) flows in;
 * workers and ingest are killed with SIGKILL at seeded random moments and restarted, the broker is
 * stopped and started again on its data once. What read_committed readers see is then audited:
 * every (event, task) answered exactly once, no dead letter.
 *
 * <p>The test plays the supervisor: a process that exits by itself (a worker whose transaction
 * could not reach the broker, ingest that found no broker at start) is restarted and named in the
 * report, as a supervisor would restart it.
 */
@ExpectedLog({
  "could not be established. Node may not be available",
  "Got error produce response",
  "Received invalid metadata error",
  "Bootstrap broker"
})
class FaultsIT {
  /** Another seed gives other moments and another order: {@code -Dglimpse.faults.seed=N}. */
  private static final long SEED = Long.getLong("glimpse.faults.seed", 20261201L);

  private static final int EVENTS = 40;
  private static final int TASKS = 3;
  private static final Duration PUBLISH_EVERY = Duration.ofMillis(700);

  /** Events published just before each fault, so that its victim has work in hand when it dies. */
  private static final int BURST = 2;

  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration DRAIN = Duration.ofSeconds(150);

  /**
   * The audit readers' fetch per partition, above Kafka's 1 MiB default: fewer polls to the end.
   */
  private static final String LARGE_FETCH = String.valueOf(16 << 20);

  private static final List<String> CLIENT_SETTINGS =
      List.of(
          // a killed member's partitions move after 6 s instead of 45 s
          "-p",
          "kafka.session.timeout.ms=6000",
          "-p",
          "kafka.heartbeat.interval.ms=1000",
          "-p",
          BrokerProbe.WAIT_SETTING + "=30000",
          // a task default: ingest keys the cache with it and the worker asks with it, so both get
          // it
          "-p",
          "glimpse.generate.max.new.tokens.default=4");

  @TempDir Path tmp;

  @Test
  void killedWorkersAndIngestAndABouncedBrokerStillAnswerEveryTaskExactlyOnce() throws Exception {
    SplittableRandom random = new SplittableRandom(SEED);
    Path fixture = Fixture.llavaTinyA().dir();
    String modelId = ModelId.of(fixture, "LLAVA_1_5", false);
    String port = String.valueOf(freePort());
    String servers = "127.0.0.1:" + port;
    Path logs = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "faults-it"));
    try (var old = Files.list(logs)) {
      for (Path f : old.toList()) {
        Files.delete(f); // only this run's processes are left to read after it
      }
    }
    Report report = new Report();

    List<String> common =
        new ArrayList<>(
            List.of("--bootstrap-servers", servers, "-p", "glimpse.model.id=" + modelId));
    common.addAll(CLIENT_SETTINGS);
    Supervised broker =
        new Supervised(
            "broker",
            "broker ready at " + servers,
            List.of("-Xmx512m"),
            List.of("broker", "--port", port, "--data", tmp.resolve("kafka").toString()),
            report);
    Supervised ingest =
        new Supervised(
            "ingest",
            "ingest running",
            List.of("-Xmx512m"),
            concat(
                List.of("ingest"),
                common,
                List.of(
                    "-p",
                    "glimpse.ingest.state.dir=" + tmp.resolve("streams"),
                    // ingest's transactions stay open up to 5 s (100 ms by default): a kill or a
                    // bounce
                    // soon after a burst most likely finds its requests sent and not committed
                    "-p",
                    "kafka.commit.interval.ms=5000")),
            report);
    List<Supervised> workers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      workers.add(
          new Supervised(
              "worker-" + w,
              "serving model id " + modelId,
              List.of(
                  "-Xmx768m",
                  "-Dorg.slf4j.simpleLogger.log.dev.glimpse.worker.Worker=info",
                  "-Dorg.slf4j.simpleLogger.showDateTime=true"),
              concat(
                  List.of("worker"),
                  common,
                  List.of("--model", fixture.toString(), "-p", "glimpse.worker.max.batch.size=4")),
              report));
    }
    List<Supervised> all = concat(List.of(broker, ingest), workers);
    try {
      broker.start();
      broker.awaitReady();
      // ingest creates the topics; a worker that subscribes first is assigned once they exist
      ingest.start();
      workers.forEach(Supervised::startQuietly);
      ingest.awaitReady();
      for (Supervised w : workers) {
        w.awaitReady();
      }

      List<Fault> faults = schedule(random, workers, ingest, broker);
      report.line("schedule (seed " + SEED + "): " + faults);
      Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
      List<EventPublisher.Published> published = new ArrayList<>();
      CompletableFuture<Void> bounce = CompletableFuture.completedFuture(null);
      long t0 = System.nanoTime();
      try (EventPublisher publisher =
          new EventPublisher(
              Map.of(
                  "bootstrap.servers",
                  servers,
                  // the broker is away for seconds: sends wait for it instead of failing
                  "delivery.timeout.ms",
                  "180000",
                  "request.timeout.ms",
                  "30000",
                  "max.block.ms",
                  "120000"),
              topics.images(),
              "faults-it")) {
        EventPublisher.Tasks tasks =
            new EventPublisher.Tasks(true, "how many shapes are there", true, List.of(), null);
        int next = 0;
        int regular = 0;
        int nextFault = 0;
        while (next < EVENTS || nextFault < faults.size() || !bounce.isDone()) {
          long elapsed = System.nanoTime() - t0;
          if (regular < EVENTS - BURST * faults.size()
              && elapsed >= regular * PUBLISH_EVERY.toNanos()) {
            published.add(publish(publisher, next++, tasks));
            regular++;
          }
          if (nextFault < faults.size()
              && elapsed >= faults.get(nextFault).at().toNanos()
              && bounce.isDone()) {
            Fault fault = faults.get(nextFault++);
            for (int b = 0; b < BURST; b++) {
              published.add(publish(publisher, next++, tasks));
            }
            Thread.sleep(fault.afterBurst().toMillis());
            elapsed = System.nanoTime() - t0;
            report.line(
                String.format("t=%.1fs %s (events published: %d)", elapsed / 1e9, fault, next));
            if (fault.target() == broker) {
              bounce = CompletableFuture.runAsync(() -> broker.bounce(Duration.ofSeconds(30)));
            } else {
              fault.target().killAndRestart();
            }
          }
          for (Supervised s : all) {
            if (s != broker || bounce.isDone()) {
              s.restartIfExited();
            }
          }
          Thread.sleep(20);
        }
        bounce.join();
        publisher.flush();
        for (EventPublisher.Published p : published) {
          p.delivery().join(); // a failed send fails the test here, before any audit
        }
      }
      report.line(
          String.format(
              "t=%.1fs all %d events published and acknowledged",
              (System.nanoTime() - t0) / 1e9, EVENTS));

      Audit audit = audit(servers, topics, all, t0);
      report.line(
          String.format("t=%.1fs audit: %s", (System.nanoTime() - t0) / 1e9, audit.summary()));
      // what the faults left behind that read_committed readers do not see: the work they hit
      for (Topic<String, ?> t :
          List.of(topics.requests(), topics.captions(), topics.answers(), topics.moderation())) {
        report.line(
            String.format(
                "%s: %d records committed, %d in aborted transactions",
                t.name(),
                count(servers, t.name(), "read_committed"),
                count(servers, t.name(), "read_uncommitted")
                    - count(servers, t.name(), "read_committed")));
      }
      System.out.println(report);

      assertEquals(Map.of(), audit.deadLetters(), "dead letters for good events\n" + report);
      assertEquals(
          Map.of(),
          audit.inputCopies(),
          "events in glimpse.images more than once (the test's producer)\n" + report);
      assertEquals(
          List.of(), audit.missing(), "(event, task) never answered\n" + audit.evidence() + report);
      assertEquals(
          Map.of(),
          audit.duplicates(),
          "(event, task) answered more than once\n" + audit.evidence() + report);
      assertEquals(EVENTS * TASKS, audit.answered().size(), report.toString());

      List<Supervised> clients = concat(workers, List.of(ingest));
      clients.forEach(Supervised::signalStop);
      for (Supervised s : clients) {
        report.line(s.name + " stopped with exit " + s.terminate());
      }
      assertEquals(0, broker.terminate(), "the broker stops cleanly\n" + report);
    } finally {
      for (Supervised s : all) {
        s.close(logs);
      }
      System.out.println(report);
    }
  }

  /**
   * Two worker kills, one ingest kill and one broker bounce, in a seeded order at seeded moments.
   */
  private static List<Fault> schedule(
      SplittableRandom random, List<Supervised> workers, Supervised ingest, Supervised broker) {
    List<Supervised> targets =
        new ArrayList<>(
            List.of(
                workers.get(random.nextInt(2)), workers.get(random.nextInt(2)), ingest, broker));
    for (int i = targets.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      targets.set(i, targets.set(j, targets.get(i)));
    }
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      // slots 7 s apart inside the publishing window, each at a random point of its slot
      // a worker dies while it works on the burst; ingest and the broker once ingest has sent the
      // burst's requests in a transaction it has not committed yet (it commits every 5 s)
      Duration afterBurst =
          Duration.ofMillis(
              targets.get(i) == ingest || targets.get(i) == broker
                  ? 600 + random.nextInt(900)
                  : random.nextInt(400));
      faults.add(
          new Fault(
              targets.get(i),
              Duration.ofMillis(3000 + 7000L * i + random.nextInt(5000)),
              afterBurst));
    }
    return faults;
  }

  /**
   * One fault: due at {@code at} (later when the broker is still coming back from its bounce),
   * struck {@code afterBurst} after the events published just before it.
   */
  private record Fault(Supervised target, Duration at, Duration afterBurst) {
    @Override
    public String toString() {
      return (target.name.equals("broker") ? "bounce " : "kill -9 ")
          + target.name
          + " (due at "
          + at.toMillis()
          + " ms, "
          + afterBurst.toMillis()
          + " ms after a burst)";
    }
  }

  private static EventPublisher.Published publish(
      EventPublisher publisher, int event, EventPublisher.Tasks tasks) throws IOException {
    return publisher.publish(
        String.format("faults-%02d.png", event), distinctPng(SEED, event), null, tasks);
  }

  /**
   * What read_committed readers of the result topics and the dead-letter topic see, and where it
   * came from.
   */
  private record Audit(
      Map<String, List<String>> answered,
      List<String> missing,
      Map<String, List<String>> duplicates,
      Map<String, List<String>> deadLetters,
      Map<String, Integer> inputCopies,
      Map<String, List<String>> requests,
      Duration lastAnswer) {
    String summary() {
      return String.format(
              "the last new (event, task) answered at t=%.1fs; ", lastAnswer.toMillis() / 1e3)
          + answered.size()
          + " of "
          + EVENTS * TASKS
          + " (event, task) answered, "
          + missing.size()
          + " missing, "
          + duplicates.size()
          + " duplicated, "
          + deadLetters.size()
          + " dead-lettered";
    }

    /**
     * For each missing or duplicated task: every copy of its result and every request of its event.
     */
    String evidence() {
      StringBuilder out = new StringBuilder();
      for (String key : missing) {
        out.append("missing ")
            .append(key)
            .append("; requests of its event: ")
            .append(requests.getOrDefault(key.substring(0, key.indexOf('#')), List.of()))
            .append('\n');
      }
      duplicates.forEach(
          (key, copies) ->
              out.append("duplicated ")
                  .append(key)
                  .append(": ")
                  .append(copies)
                  .append("; requests of its event: ")
                  .append(requests.getOrDefault(key.substring(0, key.indexOf('#')), List.of()))
                  .append('\n'));
      return out.toString();
    }
  }

  /**
   * Reads every topic to its end, read committed, until every task is answered (or the drain time
   * passed).
   */
  private static Audit audit(String servers, Topics topics, List<Supervised> all, long t0)
      throws InterruptedException {
    Map<String, List<String>> answered = new TreeMap<>();
    Map<String, List<String>> letters = new TreeMap<>();
    long lastAnswer = t0;
    try (var captions = reader(servers, topics.captions());
        var answers = reader(servers, topics.answers());
        var moderation = reader(servers, topics.moderation());
        var dlq = reader(servers, topics.dlq())) {
      long deadline = System.nanoTime() + DRAIN.toNanos();
      long settleUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, settleUntil)) {
        int before = answered.size();
        collect(captions, r -> key(r.value().getEventId(), r.value().getTaskIndex()), answered);
        collect(answers, r -> key(r.value().getEventId(), r.value().getTaskIndex()), answered);
        collect(moderation, r -> key(r.value().getEventId(), r.value().getTaskIndex()), answered);
        collect(
            dlq,
            r ->
                key(r.value().getEventId(), r.value().getTaskIndex())
                    + " "
                    + r.value().getCode()
                    + ": "
                    + r.value().getMessage(),
            letters);
        all.forEach(Supervised::restartIfExited);
        if (answered.size() > before) {
          lastAnswer = System.nanoTime();
        }
        if (answered.size() == EVENTS * TASKS && settleUntil == Long.MAX_VALUE) {
          settleUntil =
              System.nanoTime() + Duration.ofSeconds(5).toNanos(); // late copies would show now
        }
      }
    }
    List<String> missing = new ArrayList<>();
    for (int e = 0; e < EVENTS; e++) {
      for (int t = 0; t < TASKS; t++) {
        String key = key(String.format("faults-%02d.png", e), t);
        if (!answered.containsKey(key)) {
          missing.add(key);
        }
      }
    }
    Map<String, List<String>> duplicates = new TreeMap<>();
    answered.forEach(
        (k, copies) -> {
          if (copies.size() > 1) {
            duplicates.put(k, copies);
          }
        });
    Map<String, List<String>> inputs =
        readEverything(servers, topics.images(), ImageEvent::getEventId);
    Map<String, Integer> inputCopies = new TreeMap<>();
    inputs.forEach(
        (id, copies) -> {
          if (copies.size() != 1) {
            inputCopies.put(id, copies.size());
          }
        });
    Map<String, List<String>> requests =
        missing.isEmpty() && duplicates.isEmpty()
            ? Map.of()
            : readEverything(servers, topics.requests(), InferenceRequest::getEventId);
    return new Audit(
        answered,
        missing,
        duplicates,
        letters,
        inputCopies,
        requests,
        Duration.ofNanos(lastAnswer - t0));
  }

  private static <V> void collect(
      KafkaConsumer<String, V> consumer,
      Function<ConsumerRecord<String, V>, String> key,
      Map<String, List<String>> into) {
    for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(100))) {
      into.computeIfAbsent(key.apply(r), k -> new ArrayList<>())
          .add(r.topic() + "-" + r.partition() + "@" + r.offset());
    }
  }

  /** Every committed record of a topic, by event id, with where it sits. */
  private static <V> Map<String, List<String>> readEverything(
      String servers, Topic<String, V> topic, Function<V, String> eventId) {
    Map<String, List<String>> seen = new TreeMap<>();
    try (KafkaConsumer<String, V> consumer = reader(servers, topic)) {
      FromStart.readToEnd(
          consumer,
          Duration.ofSeconds(30),
          r ->
              seen.computeIfAbsent(eventId.apply(r.value()), k -> new ArrayList<>())
                  .add(r.topic() + "-" + r.partition() + "@" + r.offset()));
    }
    return seen;
  }

  /** Records of a topic, committed or all of them. */
  private static long count(String servers, String topic, String isolation) {
    try (var consumer =
        FromStart.bytes(
            servers,
            topic,
            Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolation,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                LARGE_FETCH))) {
      long[] records = {0};
      FromStart.readToEnd(consumer, Duration.ofSeconds(30), r -> records[0]++);
      return records[0];
    }
  }

  /** A read-committed reader of every partition from its start, outside any group. */
  private static <V> KafkaConsumer<String, V> reader(String servers, Topic<String, V> topic) {
    return FromStart.readCommitted(
        servers, topic, Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, LARGE_FETCH));
  }

  private static String key(String eventId, Integer taskIndex) {
    return eventId + "#" + (taskIndex == null ? "*" : taskIndex);
  }

  /**
   * A 40×40 PNG of seeded noise with the event's number in its first pixel: distinct per event and
   * per seed.
   */
  private static byte[] distinctPng(long seed, int event) throws IOException {
    BufferedImage picture = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
    SplittableRandom random = new SplittableRandom(seed * 1000 + event);
    for (int y = 0; y < 40; y++) {
      for (int x = 0; x < 40; x++) {
        picture.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    picture.setRGB(0, 0, event);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(picture, "png", out);
    return out.toByteArray();
  }

  /** What happened, in order, for the report and for every failure message. */
  private static final class Report {
    private final List<String> lines = new ArrayList<>();

    synchronized void line(String text) {
      lines.add(text);
    }

    @Override
    public synchronized String toString() {
      return "FaultsIT report:\n  " + String.join("\n  ", lines) + "\n";
    }
  }

  /** One process under the test's supervision: started, killed, restarted, and its logs kept. */
  private final class Supervised {
    private final String name;
    private final String ready;
    private final List<String> jvm;
    private final List<String> args;
    private final Report report;
    private final List<ChildProcess> lives = new ArrayList<>();
    private volatile ChildProcess current;

    Supervised(String name, String ready, List<String> jvm, List<String> args, Report report) {
      this.name = name;
      this.ready = ready;
      this.jvm = jvm;
      this.args = args;
      this.report = report;
    }

    synchronized void start() throws IOException {
      current = ChildProcess.start(tmp, jvm, args.toArray(String[]::new));
      lives.add(current);
    }

    void startQuietly() {
      try {
        start();
      } catch (IOException e) {
        throw new AssertionError("cannot start " + name, e);
      }
    }

    void awaitReady() throws InterruptedException {
      current.awaitLine(ready, START);
    }

    /** SIGKILL, then a fresh process at once, as a supervisor restarts a crashed one. */
    void killAndRestart() throws InterruptedException {
      current.kill();
      startQuietly();
    }

    /** SIGTERM, a clean exit, and a new process on the same data once the old one is gone. */
    void bounce(Duration within) {
      try {
        long begin = System.nanoTime();
        int code = current.terminate(within);
        report.line(
            String.format(
                "%s stopped with exit %d in %.1f s (%s)",
                name, code, (System.nanoTime() - begin) / 1e9, lastLine(current.output())));
        start();
        awaitReady();
        report.line(
            String.format(
                "%s ready again %.1f s after the stop signal",
                name, (System.nanoTime() - begin) / 1e9));
      } catch (IOException | InterruptedException e) {
        throw new AssertionError("bouncing " + name, e);
      }
    }

    /** A process that exited by itself is restarted, and the report says so with its last line. */
    synchronized void restartIfExited() {
      if (current != null && !current.isAlive()) {
        report.line(name + " exited by itself (" + lastLine(current.output()) + "); restarted");
        startQuietly();
      }
    }

    /** SIGTERM without waiting, so that several processes stop side by side. */
    void signalStop() {
      current.signalStop();
    }

    int terminate() throws InterruptedException {
      return current.terminate(Duration.ofSeconds(30));
    }

    /** Kills what is left and copies every life's output beside the test's temporary files. */
    void close(Path logs) {
      for (int i = 0; i < lives.size(); i++) {
        lives.get(i).close();
        try {
          Files.writeString(logs.resolve(name + "-" + i + ".log"), lives.get(i).output());
        } catch (IOException | AssertionError e) {
          // the logs are for reading after a failure; losing one must not hide the failure
        }
      }
    }

    private static String lastLine(String output) {
      List<String> lines = output.strip().lines().toList();
      return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
    }
  }

  @SafeVarargs
  private static <T> List<T> concat(List<? extends T>... lists) {
    List<T> all = new ArrayList<>();
    for (List<? extends T> l : lists) {
      all.addAll(l);
    }
    return all;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
