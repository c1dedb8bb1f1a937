package dev.glimpse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.pipeline.EmbeddedPipeline;
import dev.glimpse.pipeline.EventPublisher;
import dev.glimpse.pipeline.ResultTail;
import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench-pipeline}: captions of the same images, once straight through the model in
 * batches and once through Kafka (broker, ingest, worker with the same batch size), so the
 * pipeline's cost shows as a ratio. Every image is distinct, so the result cache never answers.
 */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true,
    description = "Measure events/s and end-to-end latency through Kafka next to the model's own batched throughput.")
final class PipelineBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--events", defaultValue = "64", description = "Events measured (default: ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--batch", defaultValue = "8", description = "Batch size of model and worker (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--new-tokens", defaultValue = "16", description = "Most tokens per caption (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<byte[]> warmup = images(batch, 1);
    List<byte[]> measured = images(events, 2);
    ObjectNode report = new ObjectMapper().createObjectNode();
    try (VisionLanguageModel model = modelOptions.load(err)) {
      // 1. the model alone: the same captions in batches of the same size
      modelEventsPerSecond(model, warmup);
      double modelRate = modelEventsPerSecond(model, measured);
      err.printf("model alone: %.1f events/s%n", modelRate);
      // 2. through Kafka
      Map<String, String> settings = Map.of("glimpse.worker.max.batch.size", String.valueOf(batch),
          "glimpse.generate.max.new.tokens.default", String.valueOf(newTokens));
      try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(model, settings, err);
          ResultTail tail = new ResultTail(pipeline.clientProperties(), pipeline.ingest().topics(),
              List.of("caption", "dead_letter"), false);
          EventPublisher publisher = new EventPublisher(pipeline.clientProperties(),
              pipeline.ingest().topics().images(), "glimpse-bench")) {
        tail.awaitAssignment(Duration.ofSeconds(30));
        EventPublisher.Tasks tasks = new EventPublisher.Tasks(true, null, false, List.of(), newTokens);
        throughKafka(publisher, tail, warmup, tasks, "warmup");
        long[] latencies = new long[measured.size()];
        double seconds = throughKafka(publisher, tail, measured, tasks, "event", latencies);
        double pipelineRate = measured.size() / seconds;
        Arrays.sort(latencies);
        double p50 = latencies[latencies.length / 2] / 1e6;
        double p99 = latencies[Math.min(latencies.length - 1, (int) Math.ceil(latencies.length * 0.99) - 1)] / 1e6;
        out.printf("model        %8.1f events/s (batch %d, %d new tokens)%n", modelRate, batch, newTokens);
        out.printf("pipeline     %8.1f events/s through Kafka; latency p50 %.0f ms, p99 %.0f ms%n", pipelineRate,
            p50, p99);
        out.printf("ratio        %8.2f (pipeline / model)%n", pipelineRate / modelRate);
        report.put("model", model.modelId());
        report.put("events", measured.size());
        report.put("batch", batch);
        report.put("new_tokens", newTokens);
        report.put("model_events_per_s", round(modelRate));
        report.put("pipeline_events_per_s", round(pipelineRate));
        report.put("ratio", round(pipelineRate / modelRate));
        report.put("latency_p50_ms", round(p50));
        report.put("latency_p99_ms", round(p99));
      }
    }
    out.println(new ObjectMapper().writeValueAsString(report));
    out.flush();
    return 0;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
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

  /** Decodes, preprocesses and captions the images in batches, as the worker does. */
  private double modelEventsPerSecond(VisionLanguageModel model, List<byte[]> images) {
    String prompt = model.questionPrompt(dev.glimpse.train.shapes.ShapesLanguage.CAPTION_QUESTION);
    long start = System.nanoTime();
    for (int from = 0; from < images.size(); from += batch) {
      List<GenerationRequest> requests = new ArrayList<>();
      for (byte[] image : images.subList(from, Math.min(images.size(), from + batch))) {
        requests.add(new GenerationRequest(model.encodePrompt(prompt), List.of(model.pixelValues(image)),
            GenerationOptions.greedy(newTokens)));
      }
      model.generate(requests);
    }
    return images.size() / ((System.nanoTime() - start) / 1e9);
  }

  private double throughKafka(EventPublisher publisher, ResultTail tail, List<byte[]> images,
      EventPublisher.Tasks tasks, String prefix) {
    return throughKafka(publisher, tail, images, tasks, prefix, new long[images.size()]);
  }

  /** Publishes every image, waits for every caption; returns the seconds from first publish to last result. */
  private double throughKafka(EventPublisher publisher, ResultTail tail, List<byte[]> images,
      EventPublisher.Tasks tasks, String prefix, long[] latencies) {
    Map<String, Integer> index = new HashMap<>();
    long[] published = new long[images.size()];
    List<EventPublisher.Published> sent = new java.util.ArrayList<>();
    String run = prefix + "-" + System.nanoTime();
    for (int i = 0; i < images.size(); i++) {
      String id = run + "-" + i;
      index.put(id, i);
      sent.add(publisher.publish(id, images.get(i), null, tasks));
      published[i] = sent.get(i).publishedAtNanos();
    }
    publisher.flush();
    for (EventPublisher.Published p : sent) {
      // an event the broker refused would otherwise show as 10 minutes of waiting
      try {
        p.delivery().join();
      } catch (java.util.concurrent.CompletionException e) {
        throw new Errors.Fatal("PUBLISH_FAILED", p.eventId() + " was not published (" + e.getCause()
            + "); the benchmark needs every event on the broker", e);
      }
    }
    int done = 0;
    long last = System.nanoTime();
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (done < images.size()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + done + " of " + images.size() + " captions arrived in 10 minutes");
      }
      for (ResultTail.Result r : tail.poll(Duration.ofMillis(50))) {
        Integer i = index.get(r.eventId());
        if (i != null) {
          last = System.nanoTime();
          latencies[i] = last - published[i];
          done++;
        }
      }
    }
    return (last - published[0]) / 1e9;
  }
}
