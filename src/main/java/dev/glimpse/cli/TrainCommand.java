package dev.glimpse.cli;

import dev.glimpse.model.checkpoint.LlavaSpec;
import dev.glimpse.model.checkpoint.TensorDType;
import dev.glimpse.train.ShapesTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: rebuilds the built-in shapes-world model from a seed (LiMBeR recipe: pretrained
 * then frozen vision tower and language model, one trained linear projection), with progress on
 * stderr at least every {@link ShapesTrainer#REPORT_EVERY} and the curves drawn beside the report.
 *
 * <pre>
 * glimpse train --seed 1 --out /tmp/shapes-model [--projector linear|mlp] [--compare]
 * </pre>
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train the shapes-world vision-language model (frozen ViT + frozen LLaMA + trained projector) "
            + "and write it in the Hugging Face LLaVA layout, with a blind (no-image) baseline in OUT/blind; progress on "
            + "stderr at least every 10 s, OUT/train_report.json and its loss and accuracy curves in OUT/train_curves.png.")
final class TrainCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the data and initialisation (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Where to write the model.")
  Path out;

  @Option(
      names = "--projector",
      defaultValue = "linear",
      paramLabel = "linear|mlp",
      description = "The projector of the model in OUT (default: ${DEFAULT-VALUE}).")
  String projector;

  @Option(
      names = "--compare",
      description = "Also train the other projector kind into OUT/mlp (or OUT/linear).")
  boolean compare;

  @Option(names = "--batch", paramLabel = "N", description = "Examples per step (default: 48).")
  Integer batch;

  @Option(names = "--vision-steps", paramLabel = "N", description = "Steps of vision pretraining.")
  Integer visionSteps;

  @Option(
      names = "--language-steps",
      paramLabel = "N",
      description = "Steps of language pretraining.")
  Integer languageSteps;

  @Option(
      names = "--projector-steps",
      paramLabel = "N",
      description = "Steps of projector training.")
  Integer projectorSteps;

  @Option(
      names = "--blind-steps",
      paramLabel = "N",
      description = "Steps of the blind baseline's projector.")
  Integer blindSteps;

  @Option(names = "--f32", description = "Store float32 weights (default: float16, half the size).")
  boolean f32;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    LlavaSpec.Projector kind =
        switch (projector.toLowerCase(Locale.ROOT)) {
          case "linear" -> LlavaSpec.Projector.LINEAR;
          case "mlp" -> LlavaSpec.Projector.MLP;
          default ->
              throw new Errors.UserError(
                  "BAD_PROJECTOR", "--projector must be linear or mlp, got " + projector);
        };
    ShapesTrainer.Settings d = ShapesTrainer.Settings.defaults(seed);
    ShapesTrainer.Settings s =
        new ShapesTrainer.Settings(
            seed,
            batch != null ? batch : d.batch(),
            visionSteps != null ? visionSteps : d.visionSteps(),
            languageSteps != null ? languageSteps : d.languageSteps(),
            projectorSteps != null ? projectorSteps : d.projectorSteps(),
            blindSteps != null ? blindSteps : d.blindSteps(),
            d.visionLr(),
            d.languageLr(),
            d.projectorLr(),
            kind,
            compare,
            f32 ? TensorDType.F32 : d.storedAs(),
            d.probeExamples());
    err.printf(
        "training the shapes-world model: seed %d, batch %d, steps vision %d / language %d / projector %d"
            + " / blind %d, projector %s%s -> %s%n",
        s.seed(),
        s.batch(),
        s.visionSteps(),
        s.languageSteps(),
        s.projectorSteps(),
        s.blindSteps(),
        projector,
        compare ? " (+ the other kind)" : "",
        out);
    err.flush();
    new ShapesTrainer(s, err).run(out);
    return 0;
  }
}
