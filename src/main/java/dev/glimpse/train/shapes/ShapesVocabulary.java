package dev.glimpse.train.shapes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every token the shapes world can produce, with fixed ids, and a pure-Java word-level tokenizer
 * that gives exactly the ids of the Hugging Face {@code tokenizer.json} written by {@link
 * TokenizerJsonWriter} (a test checks the two against each other through DJL). The trainer can use
 * it to tokenize millions of examples without a native call.
 *
 * <p>Ids: the specials {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, {@code <pad>}=3, {@code
 * <image>}=4 (the layout of the LLaVA test fixture), then the template words {@code USER}, {@code
 * ASSISTANT} and {@code :}, then the lowercase words of captions, questions and answers in a fixed
 * order. Tokenization, as the Hugging Face pre-tokenizer {@code Whitespace} does it: special tokens
 * are cut out first, the rest is split on whitespace (so the {@code "\n"} after {@code <image>} is
 * just a separator and gets no token) and into runs of word characters and runs of punctuation
 * ({@code "ASSISTANT:"} becomes {@code ASSISTANT}, {@code :}).
 */
public final class ShapesVocabulary {

  public static final String UNK = "<unk>";
  public static final String BOS = "<s>";
  public static final String EOS = "</s>";
  public static final String PAD = "<pad>";
  public static final String IMAGE = "<image>";

  public static final int UNK_ID = 0;
  public static final int BOS_ID = 1;
  public static final int EOS_ID = 2;
  public static final int PAD_ID = 3;
  public static final int IMAGE_ID = 4;

  /** The special tokens, in id order. */
  public static final List<String> SPECIALS = List.of(UNK, BOS, EOS, PAD, IMAGE);

  /** The words of the chat template, after the specials. */
  public static final List<String> TEMPLATE_WORDS = List.of("USER", "ASSISTANT", ":");

  /** The vocabulary of the shapes world. */
  public static final ShapesVocabulary SHAPES = new ShapesVocabulary(shapesWords());

  private static final Pattern PRE_TOKEN =
      Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

  private final List<String> tokens;
  private final Map<String, Integer> ids;

  /** A vocabulary of the specials, the template words and then {@code words}. */
  public ShapesVocabulary(List<String> words) {
    List<String> all = new ArrayList<>(SPECIALS);
    all.addAll(TEMPLATE_WORDS);
    all.addAll(words);
    Map<String, Integer> map = new HashMap<>();
    for (int i = 0; i < all.size(); i++) {
      if (map.put(all.get(i), i) != null) {
        throw new IllegalArgumentException("duplicate token '" + all.get(i) + "'");
      }
    }
    this.tokens = List.copyOf(all);
    this.ids = Collections.unmodifiableMap(map);
  }

  /**
   * The words of captions, questions and answers, in a fixed order: the grammar's function words,
   * then the words of every enum the language draws from.
   */
  private static List<String> shapesWords() {
    Set<String> words = new LinkedHashSet<>();
    // Captions: "a small red circle to the left of a large blue square", "... above ...", "... and
    // ...".
    add(words, "a an the to left of above and");
    add(words, ShapesLanguage.CAPTION_QUESTION);
    // Questions.
    add(words, "what color is the");
    add(words, ShapesLanguage.COUNT_QUESTION);
    add(words, "is there a");
    add(words, "where is the");
    add(words, "which shape is");
    for (ModerationCategory c : ModerationCategory.values()) {
      add(words, c.question());
    }
    // Answers and the words of shape phrases.
    add(words, "yes no");
    for (int n = 1; n <= Scene.MAX_SHAPES; n++) {
      add(words, ShapesLanguage.number(n));
    }
    for (Region r : Region.values()) {
      add(words, r.word());
    }
    for (ShapeSize s : ShapeSize.values()) {
      add(words, s.word());
    }
    for (ShapeColor c : ShapeColor.values()) {
      add(words, c.word());
    }
    for (ShapeKind k : ShapeKind.values()) {
      add(words, k.word());
    }
    return List.copyOf(words);
  }

  private static void add(Set<String> words, String text) {
    Collections.addAll(words, text.split(" "));
  }

  /** Number of tokens, specials included. */
  public int size() {
    return tokens.size();
  }

  /** All tokens in id order. */
  public List<String> tokens() {
    return tokens;
  }

  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** The id of a token, or {@link #UNK_ID} when it is not in the vocabulary. */
  public int id(String token) {
    return ids.getOrDefault(token, UNK_ID);
  }

  public String token(int id) {
    return tokens.get(id);
  }

  /** True for the ids of {@link #SPECIALS}. */
  public boolean isSpecial(int id) {
    return id >= 0 && id < SPECIALS.size();
  }

  /** Splits text into tokens as the Hugging Face tokenizer does (see the class comment). */
  public List<String> tokenize(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < text.length()) {
      String special = specialAt(text, i);
      if (special == null) {
        i++;
        continue;
      }
      preTokenize(text.substring(start, i), out);
      out.add(special);
      i += special.length();
      start = i;
    }
    preTokenize(text.substring(start), out);
    return out;
  }

  /**
   * Token ids of the text; with {@code addBos}, {@code <s>} first, as the tokenizer's
   * post-processor adds it when special tokens are requested.
   */
  public int[] encode(String text, boolean addBos) {
    List<String> words = tokenize(text);
    int[] out = new int[words.size() + (addBos ? 1 : 0)];
    int k = 0;
    if (addBos) {
      out[k++] = BOS_ID;
    }
    for (String w : words) {
      out[k++] = id(w);
    }
    return out;
  }

  /**
   * The tokens joined by single spaces, as a Hugging Face tokenizer with no decoder does it; with
   * {@code skipSpecials}, special tokens are left out, so an answer's ids up to and including
   * {@code </s>} decode to the answer itself.
   */
  public String decode(int[] ids, boolean skipSpecials) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (skipSpecials && isSpecial(id)) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(token(id));
    }
    return sb.toString();
  }

  private static String specialAt(String text, int i) {
    String best = null;
    for (String s : SPECIALS) {
      if (text.startsWith(s, i) && (best == null || s.length() > best.length())) {
        best = s;
      }
    }
    return best;
  }

  private static void preTokenize(String segment, List<String> out) {
    Matcher m = PRE_TOKEN.matcher(segment);
    while (m.find()) {
      out.add(m.group());
    }
  }
}
