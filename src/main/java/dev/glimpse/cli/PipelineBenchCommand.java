package dev.glimpse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.model.OneShotThread;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.pipeline.EventPublisher;
import dev.glimpse.pipeline.ResultTail;
import dev.glimpse.task.ResolvedTask;
import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import dev.glimpse.train.shapes.ShapesLanguage;
import dev.glimpse.worker.IdleThreads;
import dev.glimpse.worker.ImageEngine;
import dev.glimpse.worker.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench-pipeline}: the same images and tasks three ways, so that each cost shows as a ratio.
 * Per task: every task an independent full prompt straight through the model in fixed batches, each
 * decoding its image again, as a user of a bare engine would. Image-level engine: the worker's own
 * path driven directly (one decode and one vision pass per image, a shared prompt prefix,
 * continuous batching), no Kafka. Through Kafka: broker, ingest and a worker with the same batch
 * size. This machine's speed drifts over minutes, so the paths take turns: per task, the engine,
 * then {@code --rounds} times a Kafka run (a worker of its own) followed by an engine run, and per
 * task again; each figure is the mean of its path's runs. With {@code --kafka-side processes} the
 * broker and ingest start before the first run and stay till the last, so that every run shares the
 * machine with them. Every image is distinct, so no cache answers.
 */
@Command(
    name = "bench-pipeline",
    mixinStandardHelpOptions = true,
    description =
        "Measure images/s through Kafka next to the image-level engine alone and to independent per-task prompts.")
final class PipelineBenchCommand implements Callable<Integer> {
  private static final List<String> CATEGORIES = List.of("warning_sign", "hazard", "weapon");

  /** A warm-up round ends the warm-up once the JIT compiled for less than this share of it. */
  private static final double JIT_QUIET = 0.02;

  private static final int MAX_WARMUP_ROUNDS = 10;

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--events",
      defaultValue = "64",
      description = "Events (images) measured (default: ${DEFAULT-VALUE}).")
  int events;

  @Option(
      names = "--batch",
      defaultValue = "8",
      description = "Batch size of model and worker (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--new-tokens",
      defaultValue = "16",
      description = "Most tokens per caption or answer (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(
      names = "--workload",
      defaultValue = "caption",
      paramLabel = "caption|mixed",
      description =
          "caption: one caption per image; mixed: a caption, one question and moderation over 3 "
              + "categories per image (default: ${DEFAULT-VALUE}).")
  String workload;

  @Option(
      names = "--kafka-side",
      defaultValue = "processes",
      paramLabel = "processes|in-process",
      description =
          "processes: the broker and ingest run as processes of their own on the CPU the worker"
              + " leaves idle, as on the machines a deployment gives them, the worker in this one;"
              + " in-process:"
              + " all in this JVM, sharing its cores with the model (default: ${DEFAULT-VALUE}).")
  String kafkaSide;

  @Option(
      names = "--rounds",
      defaultValue = "2",
      description =
          "Kafka runs measured, each followed by an engine run (default: ${DEFAULT-VALUE});"
              + " more rounds average out more of this machine's drift.")
  int rounds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!workload.equals("caption") && !workload.equals("mixed")) {
      throw new Errors.UserError(
          "BAD_WORKLOAD", "--workload must be caption or mixed, got " + workload);
    }
    if (!kafkaSide.equals("processes") && !kafkaSide.equals("in-process")) {
      throw new Errors.UserError(
          "BAD_KAFKA_SIDE", "--kafka-side must be processes or in-process, got " + kafkaSide);
    }
    if (rounds < 1) {
      throw new Errors.UserError(
          "BAD_ROUNDS", "--rounds must be at least 1 (Kafka runs measured), got " + rounds);
    }
    EventPublisher.Tasks tasks =
        workload.equals("mixed")
            ? new EventPublisher.Tasks(
                true, ShapesLanguage.COUNT_QUESTION, true, CATEGORIES, newTokens)
            : new EventPublisher.Tasks(true, null, false, List.of(), newTokens);
    List<byte[]> measured = images(events, 0);
    Map<String, String> settings =
        Map.of(
            "glimpse.worker.max.batch.size",
            String.valueOf(batch),
            "glimpse.generate.max.new.tokens.default",
            String.valueOf(newTokens),
            // the worker's Kafka threads leave both cores to the model, as on a CPU deployment
            "glimpse.worker.client.threads.idle",
            "true");
    ObjectNode report = new ObjectMapper().createObjectNode();
    try (VisionLanguageModel model = modelOptions.load(err);
        // started before the first run, so that every run shares the machine with them
        KafkaSideProcesses processes =
            kafkaSide.equals("processes")
                ? KafkaSideProcesses.start(model.modelId(), settings, err)
                : null) {
      WorkerConfig config = WorkerConfig.from(withBootstrap(settings, "in-process:0"));
      // The runs without Kafka each on a thread that ends before a worker starts, so that the
      // worker's pool of OpenMP threads is the process's only one (see OneShotThread). This
      // machine's speed drifts over minutes: per task runs first and last, and an engine run
      // before and after every Kafka run, so that the mean of each path's runs is its speed at
      // the time of the runs it is compared with.
      double perTaskBefore =
          OneShotThread.call(
              "glimpse-bench-per-task", () -> perTask(model, config, measured, tasks, err));
      List<EngineRun> engineRuns = new ArrayList<>();
      engineRuns.add(
          OneShotThread.call(
              "glimpse-bench-engine", () -> engineRun(model, config, measured, tasks, err)));
      List<KafkaRun> kafkaRuns = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        kafkaRuns.add(throughKafka(model, processes, settings, measured, tasks, err, round));
        engineRuns.add(
            OneShotThread.call(
                "glimpse-bench-engine", () -> engineRun(model, config, measured, tasks, err)));
      }
      double perTaskAfter =
          OneShotThread.call(
              "glimpse-bench-per-task", () -> perTask(model, config, measured, tasks, err));
      List<Double> engineRates = engineRuns.stream().map(EngineRun::imagesPerSecond).toList();
      List<Double> kafkaRates = kafkaRuns.stream().map(KafkaRun::imagesPerSecond).toList();
      double perTask = (perTaskBefore + perTaskAfter) / 2;
      double engine = mean(engineRates);
      double throughKafka = mean(kafkaRates);
      KafkaRun.Totals kafka = KafkaRun.totals(kafkaRuns);
      out.printf(
          "per task      %8.2f images/s (independent full prompts, fixed batches of %d; mean of"
              + " %.2f first and %.2f last)%n",
          perTask, batch, perTaskBefore, perTaskAfter);
      out.printf(
          "engine        %8.2f images/s (image-level path, no Kafka; mean of %s)%n",
          engine, listed(engineRates));
      out.printf(
          "through Kafka %8.2f images/s (mean of %s); latency p50 %.0f ms, p99 %.0f ms%n",
          throughKafka, listed(kafkaRates), kafka.p50Millis(), kafka.p99Millis());
      out.printf(
          "speedup       %8.2f (engine / per task); ratio %.2f (Kafka / engine)%n",
          engine / perTask, throughKafka / engine);
      out.printf(
          "per image     %8.2f vision runs, %.1f prefill tokens%n",
          kafka.visionRunsPerImage(), kafka.prefillTokensPerImage());
      report.put("model", model.modelId());
      report.put("workload", workload);
      report.put("events", measured.size());
      report.put("tasks_per_image", tasks.count());
      report.put("batch", batch);
      report.put("kafka_side", kafkaSide);
      report.put("new_tokens", newTokens);
      report.put("rounds", rounds);
      report.put("images_per_s", Figures.round(throughKafka));
      report.put("engine_images_per_s", Figures.round(engine));
      report.put("per_task_images_per_s", Figures.round(perTask));
      report.put("ratio", Figures.round(throughKafka / engine));
      report.put("speedup", Figures.round(engine / perTask));
      report.put("vision_runs_per_image", Figures.round(kafka.visionRunsPerImage()));
      report.put("prefill_tokens_per_image", Figures.round(kafka.prefillTokensPerImage()));
      report.put("latency_p50_ms", Figures.round(kafka.p50Millis()));
      report.put("latency_p99_ms", Figures.round(kafka.p99Millis()));
      kafka
          .kafkaSideCpuSecondsPerRun()
          .ifPresent(cpu -> report.put("kafka_side_cpu_s", Figures.round(cpu)));
      report
          .putArray("per_task_runs_images_per_s")
          .add(Figures.round(perTaskBefore))
          .add(Figures.round(perTaskAfter));
      engineRates.forEach(r -> report.withArray("engine_runs_images_per_s").add(Figures.round(r)));
      kafkaRates.forEach(r -> report.withArray("kafka_runs_images_per_s").add(Figures.round(r)));
      ObjectNode stages = report.putObject("stages");
      StageTimes.sum(engineRuns.stream().map(EngineRun::stages).toList())
          .writeTo(stages.putObject("engine"));
      kafka.stages().writeTo(stages.putObject("kafka"));
    }
    out.println(new ObjectMapper().writeValueAsString(report));
    out.flush();
    return 0;
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  private static String listed(List<Double> values) {
    return String.join(", ", values.stream().map(v -> String.format("%.2f", v)).toList());
  }

  /** One measured run of the image-level engine: its time and its stages. */
  private record EngineRun(int images, double seconds, StageTimes stages) {
    /** Runs {@code requests} on an engine whose meters go to {@code meters}. */
    static EngineRun of(
        ImageEngine engine, SimpleMeterRegistry meters, List<InferenceRequest> requests) {
      StageTimes before = StageTimes.of(meters);
      long start = System.nanoTime();
      int failed = engine.run(requests);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (failed > 0) {
        throw new IllegalStateException(failed + " tasks failed in the engine run; see the log");
      }
      return new EngineRun(requests.size(), seconds, StageTimes.of(meters).minus(before));
    }

    double imagesPerSecond() {
      return images / seconds;
    }
  }

  /** One measured run through Kafka. */
  private record KafkaRun(
      int images,
      double seconds,
      long[] latencies,
      StageTimes stages,
      long visionRuns,
      long prefillTokens,
      Optional<Double> kafkaSideCpuSeconds) {
    double imagesPerSecond() {
      return images / seconds;
    }

    /** What every measured run through Kafka did together. */
    record Totals(
        int images,
        long[] sortedLatencies,
        StageTimes stages,
        long visionRuns,
        long prefillTokens,
        Optional<Double> kafkaSideCpuSecondsPerRun) {
      double visionRunsPerImage() {
        return visionRuns / (double) images;
      }

      double prefillTokensPerImage() {
        return prefillTokens / (double) images;
      }

      double p50Millis() {
        return sortedLatencies[sortedLatencies.length / 2] / 1e6;
      }

      double p99Millis() {
        int i = (int) Math.ceil(sortedLatencies.length * 0.99) - 1;
        return sortedLatencies[Math.min(sortedLatencies.length - 1, i)] / 1e6;
      }
    }

    static Totals totals(List<KafkaRun> runs) {
      long[] latencies = runs.stream().flatMapToLong(r -> Arrays.stream(r.latencies)).toArray();
      Arrays.sort(latencies);
      Optional<Double> cpu =
          runs.stream().allMatch(r -> r.kafkaSideCpuSeconds.isPresent())
              ? Optional.of(mean(runs.stream().map(r -> r.kafkaSideCpuSeconds.get()).toList()))
              : Optional.empty();
      return new Totals(
          runs.stream().mapToInt(KafkaRun::images).sum(),
          latencies,
          StageTimes.sum(runs.stream().map(KafkaRun::stages).toList()),
          runs.stream().mapToLong(KafkaRun::visionRuns).sum(),
          runs.stream().mapToLong(KafkaRun::prefillTokens).sum(),
          cpu);
    }
  }

  /** Every task an independent full prompt in fixed batches, after warm-up rounds; images/s. */
  private double perTask(
      VisionLanguageModel model,
      WorkerConfig config,
      List<byte[]> measured,
      EventPublisher.Tasks tasks,
      PrintWriter err) {
    warmUp("per task", err, round -> perTaskImagesPerSecond(model, config, round, tasks));
    double perTask = perTaskImagesPerSecond(model, config, measured, tasks);
    err.printf("per task, full prompts: %.2f images/s%n", perTask);
    return perTask;
  }

  /**
   * The image-level engine alone on a new engine, after warm-up rounds on it: without them, an
   * engine run that followed a Kafka run took 1.0 s for its first vision pass and 1.5 s for its
   * first prefill, against 0.2 and 0.5 s for every later one (and for the first one of the
   * benchmark's first engine run).
   */
  private EngineRun engineRun(
      VisionLanguageModel model,
      WorkerConfig config,
      List<byte[]> measured,
      EventPublisher.Tasks tasks,
      PrintWriter err) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (ImageEngine engine = new ImageEngine(model, config, meters)) {
      warmUp(
          "engine",
          err,
          round ->
              engine.run(requests(round, tasks, engine.modelId(), "warmup-" + System.nanoTime())));
      EngineRun run =
          EngineRun.of(
              engine,
              meters,
              requests(measured, tasks, engine.modelId(), "engine-" + System.nanoTime()));
      err.printf("image-level engine: %.2f images/s%n", run.imagesPerSecond());
      err.printf("  engine stages: %s%n", run.stages().describe(run.seconds()));
      return run;
    }
  }

  /**
   * A worker on {@code model} beside the broker and ingest {@code processes} (or, where null,
   * broker, ingest and worker started in this JVM with the benchmark's settings): warm-up rounds,
   * then the measured run. The images of round {@code round} carry its number in a PNG text chunk
   * (the same pixels, other bytes), so that ingest's result cache, which outlives a round, answers
   * none of them.
   */
  private KafkaRun throughKafka(
      VisionLanguageModel model,
      KafkaSideProcesses processes,
      Map<String, String> settings,
      List<byte[]> measured,
      EventPublisher.Tasks tasks,
      PrintWriter err,
      int round) {
    String tag = "glimpse bench-pipeline round " + round;
    SimpleMeterRegistry pipelineMeters = new SimpleMeterRegistry();
    try (BenchPipeline pipeline =
        processes != null
            ? ProcessPipeline.start(processes, model, pipelineMeters)
            : BenchPipeline.inProcess(model, settings, err, pipelineMeters)) {
      // the publisher and the result reader stand in for clients on other machines: in the idle
      // class, with the network threads they start, as the broker and ingest are
      return IdleThreads.call(
          "glimpse-bench-clients",
          () -> measure(model, pipeline, pipelineMeters, measured, tasks, err, tag));
    }
  }

  /** Warm-up rounds through {@code pipeline}, then the measured run. */
  private KafkaRun measure(
      VisionLanguageModel model,
      BenchPipeline pipeline,
      SimpleMeterRegistry pipelineMeters,
      List<byte[]> measured,
      EventPublisher.Tasks tasks,
      PrintWriter err,
      String tag) {
    try (ResultTail tail =
            new ResultTail(
                pipeline.clientProperties(), pipeline.topics(), ResultTail.allKinds(), false);
        EventPublisher publisher =
            new EventPublisher(
                pipeline.clientProperties(), pipeline.topics().images(), "glimpse-bench")) {
      tail.awaitAssignment(Duration.ofSeconds(30));
      warmUp(
          "Kafka",
          err,
          images ->
              publishAndAwait(
                  publisher,
                  tail,
                  Png.withComment(images, tag),
                  tasks,
                  "warmup",
                  new long[images.size()]));
      Optional<Duration> kafkaSideBefore = pipeline.kafkaSideCpu();
      long visionBefore = model.model().imagesEncoded();
      long prefillBefore = model.model().prefillTokens();
      long[] latencies = new long[measured.size()];
      StageTimes before = StageTimes.of(pipelineMeters);
      double seconds =
          publishAndAwait(
              publisher, tail, Png.withComment(measured, tag), tasks, "event", latencies);
      StageTimes stages = StageTimes.of(pipelineMeters).minus(before);
      Optional<Double> kafkaSideCpu =
          pipeline.kafkaSideCpu().map(cpu -> cpu.minus(kafkaSideBefore.get()).toMillis() / 1e3);
      err.printf("through Kafka: %.2f images/s%n", measured.size() / seconds);
      err.printf("  Kafka stages:  %s%n", stages.describe(seconds));
      kafkaSideCpu.ifPresent(
          cpu -> err.printf("  broker and ingest processes: %.1f CPU-seconds%n", cpu));
      return new KafkaRun(
          measured.size(),
          seconds,
          latencies,
          stages,
          model.model().imagesEncoded() - visionBefore,
          model.model().prefillTokens() - prefillBefore,
          kafkaSideCpu);
    }
  }

  /**
   * Warm-up rounds before every measured run, of {@code 2 x batch} new images each (a repeated
   * image would be answered from a cache), at least one and until the JIT is quiet: a round in
   * which it compiled for under {@link #JIT_QUIET} of the round's time, so that the measured run
   * times steady state, as a long-running worker is.
   */
  private void warmUp(String path, PrintWriter err, Consumer<List<byte[]>> round) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    for (int r = 1; r <= MAX_WARMUP_ROUNDS; r++) {
      List<byte[]> images = images(2 * batch, 1000L * r + path.length());
      long compiledBefore = jit.getTotalCompilationTime();
      long start = System.nanoTime();
      round.accept(images);
      double seconds = (System.nanoTime() - start) / 1e9;
      double compiled = (jit.getTotalCompilationTime() - compiledBefore) / 1e3;
      err.printf(
          "  warm-up %s, round %d: %d images in %.1f s, JIT %.2f s%n",
          path, r, images.size(), seconds, compiled);
      err.flush();
      if (compiled < JIT_QUIET * seconds) {
        return;
      }
    }
  }

  private static Map<String, String> withBootstrap(Map<String, String> settings, String bootstrap) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    s.put("glimpse.bootstrap.servers", bootstrap);
    return s;
  }

  /** Distinct generated scenes as PNG bytes. */
  private static List<byte[]> images(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    SceneGenerator scenes = new SceneGenerator();
    ShapeRenderer renderer = new ShapeRenderer();
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(renderer.renderPng(scenes.generate(random)));
    }
    return out;
  }

  /** Requests as ingest would write them: each image once with all its tasks. */
  private static List<InferenceRequest> requests(
      List<byte[]> images, EventPublisher.Tasks tasks, String modelId, String run) {
    List<InferenceRequest> out = new ArrayList<>();
    List<Object> asked = tasks.toTasks();
    for (int i = 0; i < images.size(); i++) {
      List<RequestTask> list = new ArrayList<>();
      for (int t = 0; t < asked.size(); t++) {
        list.add(new RequestTask(t, asked.get(t), run + "-" + i + "#" + t));
      }
      Instant now = Instant.now();
      out.add(
          InferenceRequest.newBuilder()
              .setRequestId(run + "-" + i)
              .setEventId(run + "-" + i)
              .setClientId("bench")
              .setTasks(list)
              .setImage(ByteBuffer.wrap(images.get(i)))
              .setImageSha256(run + "-" + i)
              .setImageFormat("png")
              .setModelId(modelId)
              .setEventTimestamp(now)
              .setEnqueuedAt(now)
              .build());
    }
    return out;
  }

  /**
   * Every task an independent full prompt in fixed batches of {@code batch}, each decoding and
   * preprocessing its image itself: captions and answers generated, moderation categories scored.
   */
  private double perTaskImagesPerSecond(
      VisionLanguageModel model,
      WorkerConfig config,
      List<byte[]> images,
      EventPublisher.Tasks tasks) {
    List<String> generated = new ArrayList<>(); // prompt per row
    List<Integer> generatedImage = new ArrayList<>();
    List<String> scored = new ArrayList<>();
    List<Integer> scoredImage = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      for (Object task : tasks.toTasks()) {
        ResolvedTask resolved = ResolvedTask.of(task, null, config.taskDefaults());
        if (resolved instanceof ResolvedTask.Moderation m) {
          for (String category : m.categories()) {
            scored.add(model.questionPrompt(ResolvedTask.Moderation.question(category)));
            scoredImage.add(i);
          }
        } else if (resolved instanceof ResolvedTask.Generative g) {
          generated.add(model.questionPrompt(g.question()));
          generatedImage.add(i);
        }
      }
    }
    long start = System.nanoTime();
    for (int from = 0; from < generated.size(); from += batch) {
      List<GenerationRequest> rows = new ArrayList<>();
      for (int r = from; r < Math.min(generated.size(), from + batch); r++) {
        rows.add(
            GenerationRequest.ofPixels(
                model.encodePrompt(generated.get(r)),
                List.of(model.pixelValues(images.get(generatedImage.get(r)))),
                GenerationOptions.greedy(newTokens)));
      }
      model.generate(rows);
    }
    for (int from = 0; from < scored.size(); from += batch) {
      List<String> prompts = new ArrayList<>();
      List<List<float[]>> pixels = new ArrayList<>();
      List<List<String>> candidates = new ArrayList<>();
      for (int r = from; r < Math.min(scored.size(), from + batch); r++) {
        prompts.add(scored.get(r));
        pixels.add(List.of(model.pixelValues(images.get(scoredImage.get(r)))));
        candidates.add(List.of("yes", "no"));
      }
      model.score(prompts, pixels, candidates);
    }
    return images.size() / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * Publishes every image, waits until each has a result (or dead letter) for every task; returns
   * the seconds from first publish to last result, and each image's latency to its last result.
   */
  private double publishAndAwait(
      EventPublisher publisher,
      ResultTail tail,
      List<byte[]> images,
      EventPublisher.Tasks tasks,
      String prefix,
      long[] latencies) {
    Map<String, Integer> index = new HashMap<>();
    int[] remaining = new int[images.size()];
    long[] published = new long[images.size()];
    List<EventPublisher.Published> sent = new ArrayList<>();
    String run = prefix + "-" + System.nanoTime();
    for (int i = 0; i < images.size(); i++) {
      String id = run + "-" + i;
      index.put(id, i);
      remaining[i] = tasks.count();
      sent.add(publisher.publish(id, images.get(i), null, tasks));
      published[i] = sent.get(i).publishedAtNanos();
    }
    publisher.flush();
    for (EventPublisher.Published p : sent) {
      // an event the broker refused would otherwise show as 10 minutes of waiting
      try {
        p.delivery().join();
      } catch (CompletionException e) {
        throw new Errors.Fatal(
            "PUBLISH_FAILED",
            p.eventId()
                + " was not published ("
                + e.getCause()
                + "); the benchmark needs every event on the broker",
            e);
      }
    }
    int done = 0;
    long last = System.nanoTime();
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (done < images.size()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + done + " of " + images.size() + " images were answered in 10 minutes");
      }
      for (ResultTail.Result r : tail.poll(Duration.ofMillis(50))) {
        Integer i = index.get(r.eventId());
        if (i != null && remaining[i] > 0 && --remaining[i] == 0) {
          last = System.nanoTime();
          latencies[i] = last - published[i];
          done++;
        }
      }
    }
    return (last - published[0]) / 1e9;
  }
}
