package dev.glimpse.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.model.VisionLanguageModel;
import dev.glimpse.model.generate.Candidates;
import dev.glimpse.model.generate.Generation;
import dev.glimpse.model.generate.GenerationOptions;
import dev.glimpse.model.generate.GenerationRequest;
import dev.glimpse.train.shapes.DatasetConfig;
import dev.glimpse.train.shapes.Example;
import dev.glimpse.train.shapes.ModerationPolicy;
import dev.glimpse.train.shapes.PromptKind;
import dev.glimpse.train.shapes.QuestionType;
import dev.glimpse.train.shapes.ShapesDataset;
import dev.glimpse.train.shapes.ShapesLanguage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores a model on held-out shapes-world scenes through the serving path ({@link
 * VisionLanguageModel}: CLIP processor, tokenizer, greedy generation, candidate scoring).
 *
 * <p>Captions and questions are generated greedily and compared after {@link
 * ShapesLanguage#normalize}; moderation questions are answered by scoring the candidates "yes" and
 * "no" and taking the likelier, and compared with {@link ModerationPolicy#isFlagged}.
 */
public final class ShapesEvaluator {

  /** Scores of one model. */
  public record Scores(
      int captions,
      int captionsExact,
      Map<QuestionType, int[]> perType, // {right, total}
      int moderationTruePositive,
      int moderationFalsePositive,
      int moderationFalseNegative,
      int moderationTrueNegative) {

    public double captionExactMatch() {
      return ratio(captionsExact, captions);
    }

    public double vqaAccuracy() {
      int right = 0;
      int total = 0;
      for (int[] c : perType.values()) {
        right += c[0];
        total += c[1];
      }
      return ratio(right, total);
    }

    public int questions() {
      return perType.values().stream().mapToInt(c -> c[1]).sum();
    }

    public double accuracy(QuestionType type) {
      int[] c = perType.get(type);
      return c == null ? Double.NaN : ratio(c[0], c[1]);
    }

    public int moderation() {
      return moderationTruePositive
          + moderationFalsePositive
          + moderationFalseNegative
          + moderationTrueNegative;
    }

    public double moderationPrecision() {
      return ratio(moderationTruePositive, moderationTruePositive + moderationFalsePositive);
    }

    public double moderationRecall() {
      return ratio(moderationTruePositive, moderationTruePositive + moderationFalseNegative);
    }

    public double moderationAccuracy() {
      return ratio(moderationTruePositive + moderationTrueNegative, moderation());
    }

    private static double ratio(int a, int b) {
      return b == 0 ? Double.NaN : a / (double) b;
    }
  }

  /** One example's outcome, for printing samples. */
  public record Outcome(Example example, String output, boolean correct) {}

  private ShapesEvaluator() {}

  /** The held-out examples of a seed: its evaluation split, examples 0 to count - 1. */
  public static List<Example> heldOut(long seed, int count, int imageSize) {
    ShapesDataset eval =
        ShapesDataset.split(seed, DatasetConfig.defaults().withImageSize(imageSize)).evaluation();
    return eval.stream(0, count).toList();
  }

  /**
   * Scores a model on examples, {@code batch} at a time.
   *
   * @param outcomes receives every example's outcome (may be null)
   */
  public static Scores score(
      VisionLanguageModel vlm, List<Example> examples, int batch, List<Outcome> outcomes) {
    Map<QuestionType, int[]> perType = new EnumMap<>(QuestionType.class);
    int captions = 0;
    int captionsExact = 0;
    int tp = 0;
    int fp = 0;
    int fn = 0;
    int tn = 0;
    GenerationOptions greedy = GenerationOptions.greedy(40);
    for (int from = 0; from < examples.size(); from += batch) {
      List<Example> chunk = examples.subList(from, Math.min(examples.size(), from + batch));
      List<Example> generated = new ArrayList<>();
      List<GenerationRequest> requests = new ArrayList<>();
      List<Example> moderated = new ArrayList<>();
      List<String> prompts = new ArrayList<>();
      List<List<float[]>> images = new ArrayList<>();
      List<List<String>> candidates = new ArrayList<>();
      for (Example e : chunk) {
        String prompt = vlm.questionPrompt(e.userText());
        float[] pixels = vlm.pixelValues(e.image());
        if (e.kind() == PromptKind.MODERATION) {
          moderated.add(e);
          prompts.add(prompt);
          images.add(List.of(pixels));
          candidates.add(List.of(ModerationPolicy.YES, ModerationPolicy.NO));
        } else {
          generated.add(e);
          requests.add(
              GenerationRequest.ofPixels(vlm.encodePrompt(prompt), List.of(pixels), greedy));
        }
      }
      List<Generation> outputs = requests.isEmpty() ? List.of() : vlm.generate(requests);
      for (int i = 0; i < generated.size(); i++) {
        Example e = generated.get(i);
        String text = outputs.get(i).text();
        boolean correct = ShapesLanguage.isCorrect(e.answer(), text);
        if (e.kind() == PromptKind.CAPTION) {
          captions++;
          captionsExact += correct ? 1 : 0;
        } else {
          int[] c = perType.computeIfAbsent(e.questionType(), t -> new int[2]);
          c[0] += correct ? 1 : 0;
          c[1]++;
        }
        if (outcomes != null) {
          outcomes.add(new Outcome(e, text, correct));
        }
      }
      List<Candidates> verdicts =
          moderated.isEmpty() ? List.of() : vlm.score(prompts, images, candidates);
      for (int i = 0; i < moderated.size(); i++) {
        Example e = moderated.get(i);
        boolean said = verdicts.get(i).best().equals(ModerationPolicy.YES);
        boolean truth = ModerationPolicy.DEMO.isFlagged(e.scene(), e.category());
        if (said && truth) {
          tp++;
        } else if (said) {
          fp++;
        } else if (truth) {
          fn++;
        } else {
          tn++;
        }
        if (outcomes != null) {
          outcomes.add(
              new Outcome(e, said ? ModerationPolicy.YES : ModerationPolicy.NO, said == truth));
        }
      }
    }
    return new Scores(captions, captionsExact, perType, tp, fp, fn, tn);
  }

  /** The report's JSON object; the field names are a contract (README, CI). */
  public static ObjectNode json(long seed, int count, String model, Scores scores, Scores blind) {
    ObjectNode n = new ObjectMapper().createObjectNode();
    n.put("model", model);
    n.put("seed", seed);
    n.put("count", count);
    n.put("captions", scores.captions());
    n.put("questions", scores.questions());
    n.put("moderation_questions", scores.moderation());
    put(n, "caption_exact_match", scores.captionExactMatch());
    put(n, "vqa_accuracy", scores.vqaAccuracy());
    for (QuestionType t : QuestionType.values()) {
      put(n, "accuracy_" + t.name().toLowerCase(Locale.ROOT), scores.accuracy(t));
    }
    put(n, "blind_vqa_accuracy", blind == null ? Double.NaN : blind.vqaAccuracy());
    put(n, "blind_caption_exact_match", blind == null ? Double.NaN : blind.captionExactMatch());
    put(n, "moderation_precision", scores.moderationPrecision());
    put(n, "moderation_recall", scores.moderationRecall());
    put(n, "moderation_accuracy", scores.moderationAccuracy());
    if (blind != null) {
      put(n, "blind_moderation_accuracy", blind.moderationAccuracy());
    }
    return n;
  }

  private static void put(ObjectNode n, String field, double value) {
    if (Double.isNaN(value)) {
      n.putNull(field);
    } else {
      n.put(field, Math.round(value * 10000) / 10000.0);
    }
  }
}
