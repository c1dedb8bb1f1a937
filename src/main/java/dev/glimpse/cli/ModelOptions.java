package dev.glimpse.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.image.ImageLimits;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that loads a model shares. */
final class ModelOptions {

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "A checkpoint directory in the Hugging Face LLaVA layout (config.json, model.safetensors, "
              + "tokenizer.json, preprocessor_config.json); default: the built-in shapes-world model.")
  Path model;

  /** The --model directory, or the built-in model's (extracted from the jar) when none is given. */
  Path modelDir() {
    return model != null ? model : BuiltinModel.directory();
  }

  @Option(
      names = "--device",
      defaultValue = "cpu",
      paramLabel = "cpu|gpu",
      description = "Where the model runs (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--dtype",
      defaultValue = "f32",
      paramLabel = "f32|f16",
      description = "Compute precision (default: ${DEFAULT-VALUE}); bf16 checkpoints are widened.")
  String dtype;

  @Option(
      names = "--pad-to-square",
      description =
          "Pad images to a square with the mean colour before "
              + "resizing, as LLaVA-1.5 does, instead of center-cropping.")
  boolean padToSquare;

  @Option(
      names = "--max-pixels",
      defaultValue = "40000000",
      paramLabel = "N",
      description = "Refuse images whose header claims more pixels (default: ${DEFAULT-VALUE}).")
  long maxPixels;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "CPU threads inside each model operation (PyTorch's intra-op threads; default: one per core)."
              + " Where the model shares a small machine with Kafka clients, ingest or a broker, leaving them a core"
              + " is faster: the model's threads wait for each other whenever one of them is preempted.")
  Integer threads;

  VisionLanguageModel.Options toOptions() {
    Device d =
        switch (device) {
          case "cpu" -> Device.cpu();
          case "gpu", "cuda" -> Device.gpu();
          default ->
              throw new Errors.UserError(
                  "BAD_DEVICE", "--device must be cpu or gpu, got " + device);
        };
    DataType t =
        switch (dtype) {
          case "f32", "float32" -> DataType.FLOAT32;
          case "f16", "float16" -> DataType.FLOAT16;
          default ->
              throw new Errors.UserError("BAD_DTYPE", "--dtype must be f32 or f16, got " + dtype);
        };
    return new VisionLanguageModel.Options(
        d, t, new ImageLimits(ImageLimits.defaults().maxBytes(), maxPixels), padToSquare);
  }

  VisionLanguageModel load(PrintWriter progress) {
    long start = System.nanoTime();
    Path dir = modelDir();
    if (threads != null) {
      if (threads < 1) {
        throw new Errors.UserError("BAD_THREADS", "--threads must be 1 or more, got " + threads);
      }
      // read by DJL's PyTorch engine when it starts, which loading the model does
      System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    }
    progress.printf(
        "loading %s on %s in %s%s ...%n",
        model != null ? model : "the built-in model",
        device,
        dtype,
        threads != null ? " with " + threads + " thread(s) per operation" : "");
    progress.flush();
    int[] lastDecile = {-1};
    VisionLanguageModel vlm =
        VisionLanguageModel.load(
            dir,
            toOptions(),
            (part, done, total) -> {
              int decile = done * 10 / total;
              if (decile != lastDecile[0] || done == total) {
                lastDecile[0] = decile;
                progress.printf("  %s: %d/%d layers%n", part, done, total);
                progress.flush();
              }
            });
    progress.printf(
        "loaded %s (%s) in %.1f s%n",
        vlm.modelId(), vlm.model().describe(), (System.nanoTime() - start) / 1e9);
    progress.flush();
    return vlm;
  }
}
