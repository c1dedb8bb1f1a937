package dev.glimpse.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.model.generate.Generator;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: the model's own throughput on the real path: image encoding (vision tower +
 * projector) in images/s, and batched greedy decoding in generated tokens/s, per batch size, with
 * peak memory. EOS is ignored so every row decodes the same number of tokens.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure images/s and tokens/s of a checkpoint at several batch sizes.")
final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--batch",
      split = ",",
      defaultValue = "1,8",
      description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(
      names = "--new-tokens",
      defaultValue = "32",
      description = "Tokens generated per row (default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(
      names = "--iterations",
      defaultValue = "5",
      description = "Timed runs per measurement (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(
      names = "--question",
      defaultValue = "describe the image",
      description = "The question asked of every image.")
  String question;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode report = mapper.createObjectNode();
    try (VisionLanguageModel vlm = modelOptions.load(err)) {
      report.put("model", vlm.modelId());
      report.put("architecture", vlm.model().describe());
      report.put("device", modelOptions.device);
      report.put("dtype", modelOptions.dtype);
      report.put("new_tokens", newTokens);
      ArrayNode rows = report.putArray("batches");
      Generator generator = new Generator(vlm.model(), vlm.tokenizer(), Set.of());
      int[] prompt = vlm.encodePrompt(vlm.questionPrompt(question));
      // warm-up of every batch size first: the engine's first runs of each shape are slow
      for (int batch : batches) {
        List<float[]> images = randomImages(vlm, batch);
        encode(vlm, images);
        generator.generate(requests(prompt, images, newTokens));
      }
      err.println("warmed up");
      out.printf(
          "%-6s %12s %12s %12s %12s%n", "batch", "images/s", "prefill ms", "tokens/s", "ms/step");
      for (int batch : batches) {
        List<float[]> images = randomImages(vlm, batch);
        // 1. image encoding alone
        double encodeSeconds = time(iterations, () -> encode(vlm, images));
        // 2. prefill alone (one generated token), then the full generation
        List<GenerationRequest> one = requests(prompt, images, 1);
        List<GenerationRequest> full = requests(prompt, images, newTokens);
        double prefillSeconds = time(iterations, () -> generator.generate(one));
        double[] tokens = new double[1];
        double generateSeconds =
            time(
                iterations,
                () -> {
                  List<Generation> g = generator.generate(full);
                  tokens[0] = g.stream().mapToInt(x -> x.tokenIds().length).sum();
                });
        double imagesPerSecond = batch / encodeSeconds;
        double tokensPerSecond = tokens[0] / generateSeconds;
        double msPerStep = (generateSeconds - prefillSeconds) / Math.max(1, newTokens - 1) * 1000;
        out.printf(
            "%-6d %12.1f %12.1f %12.1f %12.2f%n",
            batch, imagesPerSecond, prefillSeconds * 1000, tokensPerSecond, msPerStep);
        out.flush();
        ObjectNode row = rows.addObject();
        row.put("batch", batch);
        row.put("images_per_s", Figures.round(imagesPerSecond));
        row.put("prefill_ms", Figures.round(prefillSeconds * 1000));
        row.put("tokens_per_s", Figures.round(tokensPerSecond));
        row.put("ms_per_decode_step", Figures.round(msPerStep));
      }
    }
    Runtime rt = Runtime.getRuntime();
    long peakRss = peakRssBytes();
    report.put("peak_rss_mib", peakRss / (1 << 20));
    report.put("heap_used_mib", (rt.totalMemory() - rt.freeMemory()) / (1 << 20));
    out.printf("peak RSS %d MiB%n", peakRss / (1 << 20));
    out.println(mapper.writeValueAsString(report));
    out.flush();
    return 0;
  }

  private static List<GenerationRequest> requests(int[] prompt, List<float[]> images, int tokens) {
    List<GenerationRequest> requests = new ArrayList<>();
    for (float[] image : images) {
      requests.add(
          GenerationRequest.ofPixels(prompt, List.of(image), GenerationOptions.greedy(tokens)));
    }
    return requests;
  }

  private static void encode(VisionLanguageModel vlm, List<float[]> images) {
    var v = vlm.config().vision();
    try (NDManager m = vlm.model().manager().newSubManager()) {
      float[] all = new float[images.size() * images.get(0).length];
      for (int i = 0; i < images.size(); i++) {
        System.arraycopy(images.get(i), 0, all, i * images.get(i).length, images.get(i).length);
      }
      NDArray pixels =
          m.create(all, new Shape(images.size(), v.numChannels(), v.imageSize(), v.imageSize()))
              .toType(vlm.model().languageModel().embedDtype(), false);
      vlm.model().imageFeatures(pixels).toFloatArray(); // waits for the device
    }
  }

  /** Preprocessed random-noise images: the model's cost does not depend on their content. */
  private static List<float[]> randomImages(VisionLanguageModel vlm, int n) {
    SplittableRandom random = new SplittableRandom(n);
    int size = vlm.config().vision().imageSize();
    List<float[]> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          img.setRGB(x, y, random.nextInt(1 << 24));
        }
      }
      images.add(vlm.pixelValues(img));
    }
    return images;
  }

  /** Median seconds of {@code n} runs after one warm-up run. */
  private static double time(int n, Runnable body) {
    body.run();
    double[] seconds = new double[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      body.run();
      seconds[i] = (System.nanoTime() - start) / 1e9;
    }
    Arrays.sort(seconds);
    return seconds[n / 2];
  }

  /** Peak resident set size of this process (VmHWM), or 0 where /proc is absent. */
  static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no peak figure
    }
    return 0;
  }
}
