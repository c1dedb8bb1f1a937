package dev.glimpse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.train.ShapesEvaluator;
import dev.glimpse.train.shapes.Example;
import dev.glimpse.train.shapes.QuestionType;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code eval}: scores a model on N held-out shapes-world scenes drawn with a seed.
 *
 * <pre>
 * glimpse eval [--model DIR] --count 1000 --seed 12345 [--json]
 * </pre>
 *
 * The blind baseline is the checkpoint in {@code DIR/blind} (written by {@code train}; the built-in
 * model ships one), or {@code --blind DIR}.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Score a model on held-out shapes-world scenes: caption exact match, accuracy per question "
            + "type and overall (vqa_accuracy), the blind baseline's accuracy, moderation precision/recall.")
final class EvalCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--count",
      required = true,
      paramLabel = "N",
      description = "Held-out examples to draw.")
  int count;

  @Option(
      names = "--seed",
      required = true,
      paramLabel = "S",
      description = "Seed of the held-out examples.")
  long seed;

  @Option(
      names = "--blind",
      paramLabel = "DIR",
      description = "The blind baseline's checkpoint (default: MODEL/blind when it exists).")
  Path blind;

  @Option(
      names = "--batch",
      defaultValue = "64",
      paramLabel = "N",
      description = "Examples per batch (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--samples",
      defaultValue = "0",
      paramLabel = "N",
      description = "Print N examples with the model's output.")
  int samples;

  @Option(names = "--json", description = "Print the report as one JSON object on the last line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (count < 1) {
      throw new Errors.UserError("BAD_COUNT", "--count must be at least 1, got " + count);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path modelDir = modelOptions.modelDir();
    Path blindDir =
        blind != null
            ? blind
            : Files.isDirectory(modelDir.resolve("blind")) ? modelDir.resolve("blind") : null;
    ShapesCheckpoint.require(modelDir, "--model");
    if (blindDir != null) {
      ShapesCheckpoint.require(blindDir, blind != null ? "--blind" : "MODEL/blind");
    }
    long start = System.nanoTime();
    ShapesEvaluator.Scores scores;
    List<ShapesEvaluator.Outcome> outcomes = new ArrayList<>();
    List<Example> examples;
    try (VisionLanguageModel vlm = modelOptions.load(err)) {
      examples = ShapesEvaluator.heldOut(seed, count, vlm.config().vision().imageSize());
      scores = ShapesEvaluator.score(vlm, examples, batch, outcomes);
    }
    ShapesEvaluator.Scores blindScores = null;
    if (blindDir != null) {
      err.printf("blind baseline: %s%n", blindDir);
      try (VisionLanguageModel vlm = VisionLanguageModel.load(blindDir, modelOptions.toOptions())) {
        blindScores = ShapesEvaluator.score(vlm, examples, batch, null);
      }
    } else {
      err.println("no blind baseline (no MODEL/blind and no --blind): blind_vqa_accuracy is null");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ObjectNode report = ShapesEvaluator.json(seed, count, modelDir.toString(), scores, blindScores);
    report.put("seconds", Math.round(seconds * 10) / 10.0);
    for (int i = 0; i < Math.min(samples, outcomes.size()); i++) {
      ShapesEvaluator.Outcome o = outcomes.get(i);
      out.printf(
          "%s %s: %s -> %s (expected %s)%n",
          o.correct() ? "ok  " : "MISS",
          o.example().kind().name().toLowerCase(Locale.ROOT),
          o.example().userText(),
          o.output(),
          o.example().answer());
    }
    out.printf(
        "held-out scenes: seed %d, %d examples (%d captions, %d questions, %d moderation) in %.1f s%n",
        seed, count, scores.captions(), scores.questions(), scores.moderation(), seconds);
    out.printf("  caption exact match   %s%n", pct(scores.captionExactMatch()));
    for (QuestionType t : QuestionType.values()) {
      out.printf(
          "  accuracy %-12s %s%n", t.name().toLowerCase(Locale.ROOT), pct(scores.accuracy(t)));
    }
    out.printf(
        "  vqa accuracy          %s   (blind baseline %s)%n",
        pct(scores.vqaAccuracy()), blindScores == null ? "n/a" : pct(blindScores.vqaAccuracy()));
    out.printf(
        "  moderation precision  %s  recall %s%n",
        pct(scores.moderationPrecision()), pct(scores.moderationRecall()));
    if (json) {
      out.println(new ObjectMapper().writeValueAsString(report));
    }
    out.flush();
    return 0;
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }
}
