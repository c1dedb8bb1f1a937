package dev.glimpse.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.ModelException;
import dev.glimpse.model.PromptRows;
import dev.glimpse.model.config.TextConfig;
import dev.glimpse.model.language.KvCache;
import dev.glimpse.model.language.LlamaLanguageModel;
import dev.glimpse.model.text.LlavaTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A decode batch that requests may join between steps (continuous batching).
 *
 * <p>The batch has a fixed number of slots and one KV cache of fixed capacity, allocated once.
 * Every running row's tokens end at the same cache position ({@code filled}), so one decode step
 * serves all of them. A joining request is prefilled on its own (several joiners together,
 * left-padded) and its keys and values are copied into a free slot so that they, too, end at {@code
 * filled}; the positions before its prompt are masked. Rotary positions count each row's own tokens
 * only, as transformers' generate does for left-padded rows. Requests that continue a {@link
 * SharedPrefix} start from a copy of its keys and values and prefill only their suffixes.
 *
 * <p>Since every row ends at {@code filled}, which moves on with every step, rows that join at
 * different times push it towards the end of the cache. When a joiner's generation would not fit
 * there, and every running row starts far enough in, all rows' keys and values move left together
 * ({@link KvCache#shiftLeft}) by just enough: what they attend to and their rotary positions stay
 * as they were, and the joiner need not wait for the batch to drain.
 *
 * <p>Lifetimes: the cache and mask live as long as the batch; each prefill and each decode step
 * runs in a sub-manager that is closed once its tokens are on the host.
 *
 * @param <T> what the caller attaches to a request to recognise its result
 */
public final class ContinuousBatch<T> implements AutoCloseable {

  private static final float MASKED = PromptRows.MASKED;

  /** A request that has stopped, with the tag it joined with. */
  public record Finished<T>(T tag, Generation generation) {}

  private static final class Row<T> {
    final T tag;
    final GenerationRequest request;
    final Sampler sampler;
    final List<Integer> ids = new ArrayList<>();
    int next; // the token chosen last, not yet accepted
    int position; // rotary position of the token fed next
    int start; // the cache position of its first token
    String text; // set when a stop string cut it

    Row(T tag, GenerationRequest request) {
      this.tag = tag;
      this.request = request;
      this.sampler = request.options().isGreedy() ? null : new Sampler(request.options());
    }
  }

  private final LlavaModel model;
  private final LlavaTokenizer tokenizer;
  private final Set<Integer> eosIds;
  private final int padId;
  private final int capacity;
  private final NDManager manager;
  private final KvCache cache; // (slots, kv heads, capacity, head dim) per layer
  private final float[] keyMask; // (slots, capacity): 0 where a row may attend, MASKED where not
  private final List<Row<T>> rows; // null = free slot
  private NDArray keyMaskOnDevice; // (slots, 1, 1, capacity), rebuilt when a row joins
  private int filled;

  public ContinuousBatch(
      LlavaModel model, LlavaTokenizer tokenizer, Set<Integer> eosIds, int slots, int capacity) {
    TextConfig text = model.config().text();
    this.model = model;
    this.tokenizer = tokenizer;
    this.eosIds = Set.copyOf(eosIds);
    this.padId = Math.max(0, text.padTokenId());
    this.capacity = capacity;
    this.manager = model.manager().newSubManager();
    this.cache = model.languageModel().newCache(manager, slots, capacity);
    this.keyMask = new float[slots * capacity];
    Arrays.fill(keyMask, MASKED);
    this.rows = new ArrayList<>(Collections.nCopies(slots, null));
  }

  public int slots() {
    return rows.size();
  }

  /** Rows decoding now. */
  public int running() {
    return (int) rows.stream().filter(r -> r != null).count();
  }

  public boolean isEmpty() {
    return running() == 0;
  }

  public int freeSlots() {
    return slots() - running();
  }

  /**
   * Cache positions the next decode step attends to, in every row (masked ones included): the
   * shared end of the rows' tokens, and the new token. What a step costs grows with it.
   */
  public int attendedPositions() {
    return filled + 1;
  }

  /**
   * Whether a request of this many prompt tokens can join now: a slot is free, its prompt fits
   * before the shared end position, and its generation fits in the cache.
   */
  public boolean canJoin(int promptTokens, int maxNewTokens) {
    return freeSlots() > 0 && shiftFor(promptTokens, maxNewTokens) >= 0;
  }

  /**
   * How far the running rows move left for a row of {@code promptTokens} and {@code maxNewTokens}
   * to join: none where its generation fits at the end as they stand; else as far as they can, up
   * to the earliest row's first token and leaving its prompt room before the shared end, so that
   * the next steps attend to fewer positions and the next joiners find room (a shift copies what
   * stays, so the farthest is also the cheapest). -1 when no shift makes room.
   */
  private int shiftFor(int promptTokens, int maxNewTokens) {
    if (isEmpty()) {
      return promptTokens + maxNewTokens <= capacity ? 0 : -1;
    }
    int least = Math.max(0, filled + maxNewTokens - capacity);
    int earliest = rows.stream().filter(r -> r != null).mapToInt(r -> r.start).min().orElse(0);
    int most = Math.min(earliest, filled - promptTokens);
    if (least > most) {
      return -1;
    }
    return least == 0 ? 0 : most;
  }

  /**
   * Whether a request continuing a shared prefix can join now: its whole row (prefix, suffix and
   * new tokens) must fit as {@link #canJoin(int, int)} says.
   */
  public boolean canJoin(SharedPrefix prefix, int suffixTokens, int maxNewTokens) {
    return !prefix.isClosed() && canJoin(prefix.length() + suffixTokens, maxNewTokens);
  }

  /**
   * Whether these requests can join together now, continuing the prefix (or null): slots for all,
   * every prompt continues the prefix, and the longest prompt and every generation fit.
   */
  public boolean canJoin(List<GenerationRequest> requests, SharedPrefix prefix) {
    if (requests.size() > freeSlots() || (prefix != null && prefix.isClosed())) {
      return false;
    }
    int longest = 0;
    int maxNew = 0;
    for (GenerationRequest r : requests) {
      if (prefix != null && !prefix.prefixes(r.promptIds())) {
        return false;
      }
      longest = Math.max(longest, r.promptIds().length);
      maxNew = Math.max(maxNew, r.options().maxNewTokens());
    }
    return shiftFor(longest, maxNew) >= 0;
  }

  /**
   * Prefills the requests together and gives each a free slot; their first tokens are chosen. Call
   * {@link #canJoin} for each first.
   */
  public void join(List<T> tags, List<GenerationRequest> requests) {
    join(tags, requests, null);
  }

  /**
   * As {@link #join(List, List)}, but every prompt continues {@code prefix} (null: none): each row
   * gets a copy of the prefix's keys and values, and only its suffix is prefilled. A row's layout
   * in the cache is [masked | prefix | masked pads | suffix | generated], ending at the shared
   * position like every other row; rotary positions are the row's own (prefix 0..P-1, suffix from
   * P). The batch does not depend on the prefix afterwards: close it when you like.
   */
  public void join(List<T> tags, List<GenerationRequest> requests, SharedPrefix prefix) {
    int n = requests.size();
    if (n == 0) {
      return;
    }
    int[][] prompts = requests.stream().map(GenerationRequest::promptIds).toArray(int[][]::new);
    int longest = checkPromptLengths(model, prompts);
    int p = prefix == null ? 0 : prefix.length();
    int[][] suffixes =
        prefix == null
            ? prompts
            : Arrays.stream(prompts).map(prefix::suffixOf).toArray(int[][]::new);
    KvCache prefixCache = prefix == null ? null : prefix.cache();
    int maxNew = requests.stream().mapToInt(r -> r.options().maxNewTokens()).max().orElse(0);
    int shift = shiftFor(longest, maxNew);
    List<Integer> free = new ArrayList<>();
    for (int s = 0; s < rows.size() && free.size() < n; s++) {
      if (rows.get(s) == null) {
        free.add(s);
      }
    }
    if (free.size() < n || shift < 0) {
      throw new IllegalStateException("requests cannot join: check canJoin first");
    }
    if (isEmpty()) {
      filled = longest;
    } else {
      shiftLeft(shift);
    }
    int start = filled - longest;
    int[] imageTokensBefore = new int[n];
    Arrays.fill(imageTokensBefore, prefix == null ? 0 : prefix.imageTokens());
    PromptRows padded =
        PromptRows.leftPad(
            suffixes,
            longest - p,
            padId,
            p,
            requests.stream().map(GenerationRequest::images).toList(),
            imageTokensBefore);
    List<Row<T>> joined = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      Row<T> row = new Row<>(tags.get(j), requests.get(j));
      row.position = prompts[j].length;
      // the first position it attends to: its prefix's first, or its own first after the pads
      row.start = prefix == null ? start + padded.padding()[j] : start;
      joined.add(row);
    }
    try (NDManager step = manager.newSubManager();
        KvCache prefill = model.languageModel().newCache(step, n, longest)) {
      for (int j = 0; j < n && prefixCache != null; j++) {
        prefill.copyRow(prefixCache, 0, j, 0, p);
      }
      NDArray hidden = model.prefill(step, padded, prefill);
      int[] first = choose(hidden.get(":, -1"), joined);
      for (int j = 0; j < n; j++) {
        int slot = free.get(j);
        cache.copyRow(prefill, j, slot, start, longest);
        int from = slot * capacity;
        Arrays.fill(keyMask, from, from + capacity, 0f);
        Arrays.fill(keyMask, from, from + start, MASKED);
        Arrays.fill(keyMask, from + start + p, from + start + p + padded.padding()[j], MASKED);
        joined.get(j).next = first[j];
        rows.set(slot, joined.get(j));
      }
    }
    if (keyMaskOnDevice != null) {
      keyMaskOnDevice.close();
    }
    keyMaskOnDevice = manager.create(keyMask, new Shape(rows.size(), 1, 1, capacity));
  }

  /** Moves every row's keys, values and mask {@code by} positions left; their end moves too. */
  private void shiftLeft(int by) {
    if (by == 0) {
      return;
    }
    cache.shiftLeft(by, filled - by);
    for (int s = 0; s < rows.size(); s++) {
      Row<T> row = rows.get(s);
      int from = s * capacity;
      System.arraycopy(keyMask, from + by, keyMask, from, capacity - by);
      Arrays.fill(keyMask, from + capacity - by, from + capacity, row == null ? MASKED : 0f);
      if (row != null) {
        row.start -= by;
      }
    }
    filled -= by;
    if (keyMaskOnDevice != null) {
      keyMaskOnDevice.close();
    }
    keyMaskOnDevice = manager.create(keyMask, new Shape(rows.size(), 1, 1, capacity));
  }

  /**
   * Accepts every row's pending token, releases rows that stopped, and decodes one more token for
   * the rest. Returns the rows that stopped.
   */
  public List<Finished<T>> step() {
    List<Finished<T>> done = new ArrayList<>();
    int contextLength = model.config().text().maxPositionEmbeddings();
    for (int s = 0; s < rows.size(); s++) {
      Row<T> row = rows.get(s);
      if (row == null) {
        continue;
      }
      Generation.FinishReason reason = accept(row);
      if (reason == null && row.position + 1 > contextLength) {
        reason = Generation.FinishReason.CONTEXT_FULL;
      }
      if (reason != null) {
        int[] ids = row.ids.stream().mapToInt(Integer::intValue).toArray();
        String text = row.text != null ? row.text : tokenizer.decode(ids);
        done.add(
            new Finished<>(
                row.tag, new Generation(ids, text, reason, row.request.promptIds().length)));
        rows.set(s, null);
        Arrays.fill(keyMask, s * capacity, (s + 1) * capacity, MASKED);
      }
    }
    if (isEmpty()) {
      return done;
    }
    int b = rows.size();
    long[] ids = new long[b];
    float[] positions = new float[b];
    for (int s = 0; s < b; s++) {
      Row<T> row = rows.get(s);
      ids[s] = row == null ? padId : row.next;
      positions[s] = row == null ? 0 : row.position++;
    }
    LlamaLanguageModel lm = model.languageModel();
    try (NDManager step = manager.newSubManager()) {
      NDArray embeds = lm.embed(step.create(ids, new Shape(b, 1)));
      NDArray mask = keyMaskOnDevice.get(":, :, :, :{}", filled + 1);
      mask.attach(step);
      NDArray hidden =
          lm.forward(embeds, step.create(positions, new Shape(b, 1)), mask, cache, filled);
      int[] next = choose(hidden.get(":, -1"), rows);
      for (int s = 0; s < b; s++) {
        if (rows.get(s) != null) {
          rows.get(s).next = next[s];
        }
      }
    }
    filled++;
    return done;
  }

  /**
   * Drops the rows whose tags match, without results; their slots are free for new requests. This
   * is how a worker abandons the work of partitions it lost.
   *
   * @return the tags dropped
   */
  public List<T> cancel(Predicate<T> which) {
    List<T> dropped = new ArrayList<>();
    for (int s = 0; s < rows.size(); s++) {
      Row<T> row = rows.get(s);
      if (row != null && which.test(row.tag)) {
        dropped.add(row.tag);
        rows.set(s, null);
        Arrays.fill(keyMask, s * capacity, (s + 1) * capacity, MASKED);
      }
    }
    return dropped;
  }

  /** Records a row's pending token; the reason it stops, or null while it runs. */
  private Generation.FinishReason accept(Row<T> row) {
    if (eosIds.contains(row.next)) {
      return Generation.FinishReason.EOS;
    }
    row.ids.add(row.next);
    List<String> stops = row.request.options().stopStrings();
    if (!stops.isEmpty()) {
      String decoded = tokenizer.decode(row.ids.stream().mapToInt(Integer::intValue).toArray());
      for (String stop : stops) {
        int at = decoded.indexOf(stop);
        if (at >= 0) {
          row.text = decoded.substring(0, at);
          return Generation.FinishReason.STOP_STRING;
        }
      }
    }
    return row.ids.size() >= row.request.options().maxNewTokens()
        ? Generation.FinishReason.MAX_NEW_TOKENS
        : null;
  }

  /** The next token of each row (null rows get a dummy) from last hidden states (rows, hidden). */
  private int[] choose(NDArray lastHidden, List<Row<T>> forRows) {
    NDArray logits = model.languageModel().logits(lastHidden); // (rows, vocab)
    int b = forRows.size();
    int[] next = new int[b];
    boolean sampling = forRows.stream().anyMatch(r -> r != null && r.sampler != null);
    if (!sampling) {
      long[] argMax = logits.argMax(-1).toLongArray();
      for (int r = 0; r < b; r++) {
        next[r] = (int) argMax[r];
      }
      return next;
    }
    int vocab = (int) logits.getShape().get(1);
    float[] host = logits.toFloatArray();
    for (int r = 0; r < b; r++) {
      Row<T> row = forRows.get(r);
      next[r] =
          row == null || row.sampler == null
              ? argMax(host, r * vocab, vocab)
              : row.sampler.next(host, r * vocab, vocab);
    }
    return next;
  }

  private static int argMax(float[] values, int offset, int length) {
    int best = 0;
    for (int i = 1; i < length; i++) {
      if (values[offset + i] > values[offset + best]) {
        best = i;
      }
    }
    return best;
  }

  /** Longest prompt; each must be shorter than the model's context. */
  static int checkPromptLengths(LlavaModel model, int[][] prompts) {
    int t = 0;
    for (int[] prompt : prompts) {
      checkPromptLength(model, prompt.length);
      t = Math.max(t, prompt.length);
    }
    return t;
  }

  static void checkPromptLength(LlavaModel model, int tokens) {
    int context = model.config().text().maxPositionEmbeddings();
    if (tokens >= context) {
      throw new ModelException(
          ModelException.Code.PROMPT_TOO_LONG,
          "the prompt has "
              + tokens
              + " tokens (image tokens included) but the model's context is "
              + context
              + "; shorten the prompt");
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
