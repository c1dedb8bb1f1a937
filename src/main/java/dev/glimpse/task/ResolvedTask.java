package dev.glimpse.task;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.model.generate.GenerationOptions;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * One task of an event with every default applied: the exact question the model is asked, the exact
 * categories it scores, the exact decoding options. What the cache key fingerprints and what the
 * worker runs.
 */
public sealed interface ResolvedTask {

  /** A task answered with generated text: a question asked of the image, decoded with options. */
  sealed interface Generative extends ResolvedTask {
    String question();

    GenerationOptions options();
  }

  /** Describe the image: the configured caption question, decoded with these options. */
  record Caption(String question, GenerationOptions options) implements Generative {
    @Override
    public String kind() {
      return "caption";
    }

    @Override
    public Class<CaptionResult> resultType() {
      return CaptionResult.class;
    }
  }

  /** Answer the event's question, decoded with these options. */
  record Question(String question, GenerationOptions options) implements Generative {
    @Override
    public String kind() {
      return "question";
    }

    @Override
    public Class<AnswerResult> resultType() {
      return AnswerResult.class;
    }
  }

  /**
   * Score each category (stripped, de-duplicated, in the event's order) yes/no; flag each at its
   * own threshold.
   *
   * @param thresholds every category's threshold: P(yes) at or above it flags the category
   */
  record Moderation(List<String> categories, Map<String, Double> thresholds)
      implements ResolvedTask {
    public Moderation {
      categories = List.copyOf(categories);
      thresholds = Map.copyOf(thresholds);
      if (!thresholds.keySet().equals(Set.copyOf(categories))) {
        throw new IllegalArgumentException(
            "thresholds " + thresholds + " do not match categories " + categories);
      }
    }

    /** Every category at the defaults' threshold for it. */
    static Moderation of(List<String> categories, TaskDefaults defaults) {
      Map<String, Double> thresholds = new LinkedHashMap<>();
      categories.forEach(c -> thresholds.put(c, defaults.thresholdOf(c)));
      return new Moderation(categories, thresholds);
    }

    /** Whether this category's probability flags it. */
    public boolean flags(String category, double probability) {
      return probability >= thresholds.get(category);
    }

    @Override
    public String kind() {
      return "moderation";
    }

    @Override
    public Class<ModerationResult> resultType() {
      return ModerationResult.class;
    }

    /** The yes/no question a category asks: "warning_sign" becomes "is there a warning sign". */
    public static String question(String category) {
      String thing = category.strip().replace('_', ' ').replace('-', ' ').toLowerCase(Locale.ROOT);
      String article = "aeiou".indexOf(thing.isEmpty() ? 'x' : thing.charAt(0)) >= 0 ? "an" : "a";
      return "is there " + article + " " + thing;
    }
  }

  /** The result kind, as results and logs name it: caption, question or moderation. */
  String kind();

  /** The result record this kind of task is answered with (each has its own result topic). */
  Class<? extends SpecificRecordBase> resultType();

  /**
   * Applies the defaults to one task of the contract.
   *
   * @param task a CaptionTask, QuestionTask or ModerationTask: Avro types a union's value as
   *     Object, and this is the one place it is told apart
   * @param options the event's options, or null
   */
  // the parameter's type written out: the model's GenerationOptions, imported, has the contract's
  // name
  static ResolvedTask of(
      Object task, dev.glimpse.contract.GenerationOptions options, TaskDefaults defaults) {
    if (task instanceof CaptionTask) {
      return new Caption(defaults.captionQuestion().strip(), options(options, defaults));
    }
    if (task instanceof QuestionTask q) {
      return new Question(q.getQuestion().strip(), options(options, defaults));
    }
    if (task instanceof ModerationTask m) {
      LinkedHashSet<String> categories = new LinkedHashSet<>();
      m.getCategories().stream()
          .map(String::strip)
          .filter(c -> !c.isEmpty())
          .forEach(categories::add);
      return Moderation.of(
          categories.isEmpty() ? defaults.moderationCategories() : List.copyOf(categories),
          defaults);
    }
    throw new IllegalArgumentException(
        "unknown task type " + (task == null ? "(none)" : task.getClass().getSimpleName()));
  }

  /** The decoding options an event's options mean, the defaults filled in. */
  // the parameter's type written out: the model's GenerationOptions, imported, has the contract's
  // name
  static GenerationOptions options(
      dev.glimpse.contract.GenerationOptions o, TaskDefaults defaults) {
    if (o == null) {
      return GenerationOptions.greedy(defaults.maxNewTokens());
    }
    return new GenerationOptions(
        o.getMaxNewTokens() == null ? defaults.maxNewTokens() : o.getMaxNewTokens(),
        o.getTemperature() == null ? 0 : o.getTemperature(),
        o.getTopK() == null ? 0 : o.getTopK(),
        o.getTopP() == null ? 1 : o.getTopP(),
        o.getSeed() == null ? 0 : o.getSeed(),
        List.of());
  }
}
