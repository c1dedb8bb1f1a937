package dev.glimpse.cli;

import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.RandomLlava;
import dev.glimpse.model.checkpoint.TensorDType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code random-checkpoint}: writes a LLaVA checkpoint of any shape with random weights, in the
 * Hugging Face layout, so benchmarks can measure sizes no fixture ships (its words mean nothing).
 */
@Command(
    name = "random-checkpoint",
    mixinStandardHelpOptions = true,
    description = "Write a random LLaVA checkpoint of a given shape (for benchmarks).")
final class RandomCheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write it.")
  Path out;

  @Option(names = "--text-layers", defaultValue = "8")
  int textLayers;

  @Option(names = "--text-hidden", defaultValue = "512")
  int textHidden;

  @Option(names = "--text-heads", defaultValue = "8")
  int textHeads;

  @Option(names = "--kv-heads", defaultValue = "8")
  int kvHeads;

  @Option(names = "--intermediate", defaultValue = "1376")
  int intermediate;

  @Option(names = "--vocab", defaultValue = "32064")
  int vocab;

  @Option(names = "--context", defaultValue = "2048")
  int context;

  @Option(names = "--vision-layers", defaultValue = "6")
  int visionLayers;

  @Option(names = "--vision-hidden", defaultValue = "384")
  int visionHidden;

  @Option(names = "--vision-heads", defaultValue = "6")
  int visionHeads;

  @Option(names = "--image-size", defaultValue = "224")
  int imageSize;

  @Option(names = "--patch-size", defaultValue = "16")
  int patchSize;

  @Option(names = "--dtype", defaultValue = "f32", description = "f32, f16 or bf16 storage.")
  String dtype;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    TensorDType stored =
        switch (dtype) {
          case "f32" -> TensorDType.F32;
          case "f16" -> TensorDType.F16;
          case "bf16" -> TensorDType.BF16;
          default ->
              throw new Errors.UserError(
                  "BAD_DTYPE", "--dtype must be f32, f16 or bf16, got " + dtype);
        };
    LlavaSpec spec;
    try {
      spec =
          new LlavaSpec(
              new LlavaSpec.Vision(
                  visionHidden, visionLayers, visionHeads, 4 * visionHidden, imageSize, patchSize),
              new LlavaSpec.Text(
                  textHidden,
                  textLayers,
                  textHeads,
                  kvHeads,
                  intermediate,
                  vocab,
                  context,
                  10000.0,
                  textHidden / textHeads),
              List.of(-2),
              false,
              LlavaSpec.Projector.MLP,
              false,
              4,
              stored,
              1);
    } catch (IllegalArgumentException | ArithmeticException e) {
      // a shape no LLaVA can have (heads not dividing the hidden size, ...): the user's numbers
      throw new Errors.UserError(
          "BAD_SHAPE", e.getMessage() + "; choose sizes that divide evenly (see --help)");
    }
    long start = System.nanoTime();
    RandomLlava.write(out, spec, seed);
    err.printf(
        "wrote a random LLaVA (vision %d layers x %d, %d image tokens; llama %d layers x %d, vocab %d) to %s"
            + " in %.1f s%n",
        visionLayers,
        visionHidden,
        spec.imageSeqLength(),
        textLayers,
        textHidden,
        vocab,
        out,
        (System.nanoTime() - start) / 1e9);
    err.flush();
    return 0;
  }
}
