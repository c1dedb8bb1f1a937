package dev.glimpse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.kafka.Settings;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.ops.Health;
import dev.glimpse.ops.Metrics;
import dev.glimpse.ops.view.StandaloneView;
import dev.glimpse.ops.view.ViewSettings;
import dev.glimpse.pipeline.EmbeddedPipeline;
import dev.glimpse.pipeline.EventPublisher;
import dev.glimpse.pipeline.ResultTail;
import dev.glimpse.train.shapes.Scene;
import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import dev.glimpse.train.shapes.ShapesLanguage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.RecordTooLargeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: the whole pipeline in one JVM (a real KRaft broker, ingest, a worker), fed with a
 * folder of images or with generated shape scenes, printing each result as it arrives.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run broker, ingest and worker in one JVM and caption a folder of images (or generated scenes).")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Mixin TaskOptions taskOptions;

  @Mixin HttpOptions http;

  @Option(
      names = "--images",
      paramLabel = "DIR",
      description =
          "Publish every file of this folder (default: "
              + "generated shape scenes, written to target/demo-images).")
  Path images;

  @Option(
      names = "--count",
      defaultValue = "8",
      description = "Scenes to generate without --images (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--seed", defaultValue = "2026", description = "Seed of the generated scenes.")
  long seed;

  @Option(
      names = "--batch",
      defaultValue = "8",
      description = "The worker's batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--exit",
      description =
          "Stop once every event is answered or dead-lettered; the last line is "
              + "a JSON summary (events, results, dead_letters, ...).")
  boolean exit;

  @Option(
      names = "--json",
      description =
          "Print each result as one JSON line as it arrives ({\"file\", \"event_id\", "
              + "\"task\", \"text\", \"scores\", \"flagged\", \"from_cache\", \"model_id\"}; a dead letter as {\"file\", \"code\", "
              + "\"message\"}); the JSON summary stays the last line.")
  boolean json;

  @Option(
      names = "--timeout",
      defaultValue = "600",
      paramLabel = "SECONDS",
      description = "With --exit, give up waiting after this long (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  // the view has a port of its own: its event streams hold a thread each, which /metrics must not
  // wait behind
  @Option(
      names = "--view-port",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Port of the live view (default: ${DEFAULT-VALUE}, any free port; the URL is printed).")
  int viewPort;

  @Option(
      names = "--view-host",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description =
          "Address the live view listens on (default: ${DEFAULT-VALUE}, this machine only).")
  String viewHost;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    long start = System.nanoTime();
    List<Input> inputs = images != null ? folder(images, err) : generated(err);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("glimpse.worker.max.batch.size", String.valueOf(batch));
    AtomicReference<EmbeddedPipeline> started = new AtomicReference<>();
    Health health =
        new Health()
            .check(
                "streams",
                () ->
                    started.get() == null
                        ? Health.Status.down("starting")
                        : started.get().ingest().readiness())
            .check(
                "worker",
                () ->
                    started.get() == null
                        ? Health.Status.down("starting")
                        : started.get().worker().readiness());
    try (Metrics metrics = new Metrics();
        HttpOptions.Served served = http.start(metrics, health, err);
        VisionLanguageModel model = modelOptions.load(err);
        EmbeddedPipeline pipeline =
            started(started, EmbeddedPipeline.start(model, settings, err, metrics.registry()));
        ResultTail tail =
            new ResultTail(
                pipeline.clientProperties(),
                pipeline.ingest().topics(),
                ResultTail.allKinds(),
                true);
        StandaloneView view =
            StandaloneView.start(
                pipeline.clientProperties(),
                pipeline.ingest().topics(),
                ViewSettings.from(Settings.overlay(new Properties(), System.getenv())),
                viewHost,
                viewPort,
                true,
                "--view-port");
        EventPublisher publisher =
            new EventPublisher(
                pipeline.clientProperties(), pipeline.ingest().topics().images(), "glimpse-demo")) {
      err.printf(
          "live view at %s (%s)%n",
          view.url(),
          exit
              ? "it stops with the demo, once every event is answered"
              : "Ctrl-C stops the demo and the view");
      err.flush();
      EventPublisher.Tasks tasks = taskOptions.tasks();
      Map<String, Integer> expected = new HashMap<>();
      Map<String, String> files = new HashMap<>();
      List<EventPublisher.Published> sent = new ArrayList<>();
      for (Input input : inputs) {
        files.put(input.eventId(), input.file().getFileName().toString());
        sent.add(publisher.publish(input.eventId(), input.bytes(), input.file(), tasks));
        expected.put(input.eventId(), tasks.count());
        if (input.truth() != null) {
          (json ? err : out).printf("%-28s expected  %s%n", input.eventId(), input.truth());
        }
      }
      publisher.flush();
      deadLetterWhatTheBrokerRefused(publisher, pipeline, inputs, sent);
      out.flush();
      err.printf("published %d events; results follow as they arrive%n", inputs.size());
      err.flush();
      Progress progress = new Progress(expected);
      long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
      while (!exit || (!progress.allDone() && System.nanoTime() < deadline)) {
        for (ResultTail.Result r : tail.poll(Duration.ofMillis(200))) {
          out.println(json ? jsonLine(r, files.get(r.eventId())) : r.describe());
          out.flush();
          progress.record(r);
        }
      }
      ObjectNode summary = new ObjectMapper().createObjectNode();
      summary.put("events", inputs.size());
      summary.put("tasks", expected.values().stream().mapToInt(Integer::intValue).sum());
      summary.put("results", progress.results);
      summary.put("dead_letters", progress.deadLetters);
      summary.put("from_cache", progress.fromCache);
      summary.put("answered_events", progress.doneEvents());
      summary.put("complete", progress.allDone());
      summary.put("model", model.modelId());
      summary.put("elapsed_s", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
      out.println(new ObjectMapper().writeValueAsString(summary));
      out.flush();
      return progress.allDone() ? 0 : 1;
    }
  }

  private static EmbeddedPipeline started(
      AtomicReference<EmbeddedPipeline> started, EmbeddedPipeline pipeline) {
    started.set(pipeline);
    return pipeline;
  }

  /**
   * A file whose event is over the record limit never reaches ingest, so the publisher writes the
   * IMAGE_TOO_LARGE dead letter ingest gives an image over its own limit (the same code for the
   * same cause, and the folder goes on); any other failed send ends the demo.
   */
  private static void deadLetterWhatTheBrokerRefused(
      EventPublisher publisher,
      EmbeddedPipeline pipeline,
      List<Input> inputs,
      List<EventPublisher.Published> sent) {
    List<CompletableFuture<?>> letters = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      try {
        sent.get(i).delivery().join();
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof RecordTooLargeException)) {
          throw new Errors.Fatal(
              "PUBLISH_FAILED",
              inputs.get(i).eventId()
                  + " was not published ("
                  + e.getCause()
                  + "); the embedded broker should take every send: report it with the log",
              e);
        }
        letters.add(
            publisher.deadLetterTooLarge(
                pipeline.ingest().topics().dlq(),
                inputs.get(i).eventId(),
                inputs.get(i).bytes().length,
                e.getCause().getMessage()));
      }
    }
    publisher.flush();
    letters.forEach(CompletableFuture::join);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A result as {@code --json} prints it: one object on one line. */
  static String jsonLine(ResultTail.Result r, String file) throws IOException {
    ObjectNode line = JSON.createObjectNode();
    line.put("file", file);
    if (r.isDeadLetter()) {
      line.put("code", r.errorCode());
      line.put("message", r.text());
      return JSON.writeValueAsString(line);
    }
    line.put("event_id", r.eventId());
    line.put("task", r.kind().equals("answer") ? "question" : r.kind());
    if (r.scores() != null) {
      ObjectNode scores = line.putObject("scores");
      new TreeMap<>(r.scores()).forEach(scores::put);
      line.put("flagged", r.flagged());
    } else {
      line.put("text", r.text());
    }
    line.put("from_cache", r.fromCache());
    line.put("model_id", r.modelId());
    return JSON.writeValueAsString(line);
  }

  /** One image to publish, and what the scene shows when it was generated. */
  private record Input(String eventId, byte[] bytes, Path file, String truth) {}

  private List<Input> folder(Path dir, PrintWriter err) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new Errors.UserError(
          "MISSING_IMAGES", dir + " is not a folder; --images must name a folder of images");
    }
    List<Input> inputs = new ArrayList<>();
    for (Path file : ImageFolder.files(dir, err)) {
      // every file goes: one over ingest's limit or the record limit becomes an IMAGE_TOO_LARGE
      // dead letter
      byte[] bytes = Files.readAllBytes(file);
      inputs.add(new Input(file.getFileName().toString(), bytes, file, null));
    }
    return inputs;
  }

  private List<Input> generated(PrintWriter err) throws IOException {
    Path dir = EmbeddedPipeline.outputDir("demo-images");
    SplittableRandom random = new SplittableRandom(seed);
    SceneGenerator generator = new SceneGenerator();
    ShapeRenderer renderer = new ShapeRenderer();
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Scene scene = generator.generate(random);
      byte[] png = renderer.renderPng(scene);
      Path file = dir.resolve(String.format("scene-%02d.png", i));
      Files.write(file, png);
      inputs.add(
          new Input(file.getFileName().toString(), png, file, ShapesLanguage.caption(scene)));
    }
    err.printf(
        "generated %d scenes in %s (open them to check the captions)%n",
        count, dir.toAbsolutePath());
    return inputs;
  }

  /** Which events are answered: all their tasks have a result, or a dead letter ended them. */
  private static final class Progress {
    private final Map<String, Integer> expected;
    private final Map<String, Set<String>> seen = new HashMap<>();
    private final Set<String> rejected = new HashSet<>();
    int results;
    int deadLetters;
    int fromCache;

    Progress(Map<String, Integer> expected) {
      this.expected = expected;
    }

    void record(ResultTail.Result r) {
      if (r.isDeadLetter()) {
        deadLetters++;
        if (r.taskIndex() == null) {
          rejected.add(r.eventId());
          return;
        }
      } else {
        results++;
        if (r.fromCache()) {
          fromCache++;
        }
      }
      seen.computeIfAbsent(r.eventId(), k -> new HashSet<>()).add(r.taskKey());
    }

    int doneEvents() {
      return (int) expected.keySet().stream().filter(this::done).count();
    }

    boolean done(String event) {
      return rejected.contains(event)
          || seen.getOrDefault(event, Set.of()).size() >= expected.get(event);
    }

    boolean allDone() {
      return expected.keySet().stream().allMatch(this::done);
    }
  }
}
