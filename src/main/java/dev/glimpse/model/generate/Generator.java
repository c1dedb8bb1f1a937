package dev.glimpse.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.glimpse.model.ImageFeatures;
import dev.glimpse.model.ImageInput;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.ModelException;
import dev.glimpse.model.PromptRows;
import dev.glimpse.model.config.TextConfig;
import dev.glimpse.model.language.KvCache;
import dev.glimpse.model.text.LlavaTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Batched generation and candidate scoring over a {@link LlavaModel}. A batch of prompts is
 * left-padded to one length and decoded together, each row stopping on its own (EOS, max new
 * tokens, a stop string, the context's end); see {@link ContinuousBatch} for the decode loop, which
 * also lets requests join between steps. The prompt prefix several tasks of one image share can be
 * prefilled once ({@link #prefill}) and continued by generation and scoring.
 */
public final class Generator {

  private final LlavaModel model;
  private final LlavaTokenizer tokenizer;
  private final Set<Integer> eosIds;

  public Generator(LlavaModel model, LlavaTokenizer tokenizer, Set<Integer> eosIds) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.eosIds = Set.copyOf(eosIds);
  }

  /** A decode batch that requests can join between steps. */
  public <T> ContinuousBatch<T> newBatch(int slots, int capacity) {
    return new ContinuousBatch<>(model, tokenizer, eosIds, slots, capacity);
  }

  /** Generates a continuation for every request, as one batch; results in request order. */
  public List<Generation> generate(List<GenerationRequest> requests) {
    return generate(null, requests);
  }

  /**
   * As {@link #generate(List)}, every prompt continuing {@code prefix} (null: none), whose keys and
   * values are reused instead of prefilled again; the tokens are the same.
   */
  public List<Generation> generate(SharedPrefix prefix, List<GenerationRequest> requests) {
    int b = requests.size();
    int longest =
        ContinuousBatch.checkPromptLengths(
            model, requests.stream().map(GenerationRequest::promptIds).toArray(int[][]::new));
    int maxNew = requests.stream().mapToInt(r -> r.options().maxNewTokens()).max().orElse(0);
    Generation[] out = new Generation[b];
    try (ContinuousBatch<Integer> batch = newBatch(b, longest + maxNew)) {
      List<Integer> tags = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        tags.add(i);
      }
      batch.join(tags, requests, prefix);
      while (!batch.isEmpty()) {
        for (ContinuousBatch.Finished<Integer> f : batch.step()) {
          out[f.tag()] = f.generation();
        }
      }
    }
    return List.of(out);
  }

  /**
   * Prefills several prompt prefixes (typically one per image, the part its tasks share) in one
   * batched pass and keeps each one's keys and values.
   *
   * @param prefixIds token ids of each prefix; each may hold none, some or all of its image's
   *     tokens (image tokens after the prefix are embedded later, from each request's images)
   * @param imagesInPrefix per prefix, its prompts' images in order; only the features of the image
   *     tokens inside the prefix are used (an image the prefix ends inside contributes its first
   *     tokens, one it does not reach nothing)
   * @return one open prefix per input, to close when its requests have joined
   */
  public List<SharedPrefix> prefill(
      List<int[]> prefixIds, List<List<ImageFeatures>> imagesInPrefix) {
    int n = prefixIds.size();
    if (imagesInPrefix.size() != n) {
      throw new IllegalArgumentException(
          n + " prefixes but " + imagesInPrefix.size() + " image lists");
    }
    int[][] ids = prefixIds.toArray(int[][]::new);
    int longest = ContinuousBatch.checkPromptLengths(model, ids);
    List<List<ImageInput>> images = new ArrayList<>();
    int[] imageTokens = new int[n];
    for (int i = 0; i < n; i++) {
      imageTokens[i] = imageTokens(ids[i]);
      images.add(featuresOfFirst(imageTokens[i], imagesInPrefix.get(i)));
    }
    TextConfig text = model.config().text();
    List<SharedPrefix> out = new ArrayList<>();
    try (NDManager step = model.manager().newSubManager();
        KvCache all = model.languageModel().newCache(step, n, longest)) {
      PromptRows rows =
          PromptRows.leftPad(ids, longest, Math.max(0, text.padTokenId()), 0, images, new int[n]);
      if (longest > 0) {
        model.prefill(step, rows, all);
      }
      for (int i = 0; i < n; i++) {
        KvCache own = model.languageModel().newCache(model.manager(), 1, ids[i].length);
        out.add(new SharedPrefix(ids[i], imageTokens[i], own));
        own.copyRow(all, i, rows.padding()[i], 0, 0, ids[i].length);
      }
      return out;
    } catch (RuntimeException e) {
      out.forEach(SharedPrefix::close);
      throw e;
    }
  }

  private int imageTokens(int[] ids) {
    int imageTokenId = model.config().imageTokenId();
    return (int) Arrays.stream(ids).filter(id -> id == imageTokenId).count();
  }

  /**
   * The features of the first {@code tokens} image tokens of the images, as whole or cut images.
   */
  private static List<ImageInput> featuresOfFirst(int tokens, List<ImageFeatures> images) {
    List<ImageInput> used = new ArrayList<>();
    int left = tokens;
    for (ImageFeatures image : images) {
      if (left == 0) {
        break;
      }
      int take = Math.min(left, image.tokens());
      used.add(image.firstTokens(take));
      left -= take;
    }
    if (left > 0) {
      throw new ModelException(
          ModelException.Code.IMAGE_TOKEN_MISMATCH,
          "a prefix holds "
              + tokens
              + " image tokens but its "
              + images.size()
              + " image(s) give "
              + (tokens - left)
              + " features; pass the features of every image whose <image> placeholder the prefix holds");
    }
    return used;
  }

  /**
   * Scores candidate answers after each prompt, all in one forward pass. A prompt whose candidates
   * are single tokens (yes/no) is one row: every candidate's probability comes from the same
   * next-token distribution. Otherwise each (prompt, candidate) pair is a row and the candidate's
   * tokens are scored where they stand. Image features of a prompt are computed once for all its
   * rows.
   */
  public List<Candidates> score(List<ScoringRequest> requests) {
    return score(null, requests);
  }

  /**
   * As {@link #score(List)}, every prompt continuing {@code prefix} (null: none): each row starts
   * from a copy of the prefix's keys and values, and only the prompt's suffix (and the candidate's
   * tokens, when candidates are longer than one token) is prefilled on top.
   */
  public List<Candidates> score(SharedPrefix prefix, List<ScoringRequest> requests) {
    return scoreOn(Collections.nCopies(requests.size(), prefix), requests);
  }

  /**
   * As {@link #score(SharedPrefix, List)}, each prompt continuing a prefix of its own ({@code
   * prefixes.get(i)} for {@code requests.get(i)}): the moderation prompts of several images, each
   * on its image's prefix, scored in one forward pass. The prefixes must all have one length, or
   * all be null.
   */
  public List<Candidates> scoreOn(List<SharedPrefix> prefixes, List<ScoringRequest> requests) {
    if (prefixes.size() != requests.size()) {
      throw new IllegalArgumentException(
          prefixes.size() + " prefixes for " + requests.size() + " scoring requests");
    }
    SharedPrefix first = prefixes.isEmpty() ? null : prefixes.get(0);
    int p = first == null ? 0 : first.length();
    for (SharedPrefix prefix : prefixes) {
      if ((prefix == null) != (first == null) || (prefix != null && prefix.length() != p)) {
        throw new IllegalArgumentException(
            "prompts scored together continue prefixes of one length, or none");
      }
    }
    // 1. rows: one per prompt of single-token candidates, else one per candidate; after the prefix
    List<int[]> rows = new ArrayList<>();
    List<List<ImageInput>> rowImages = new ArrayList<>();
    List<SharedPrefix> rowPrefixes = new ArrayList<>();
    boolean[] shared = new boolean[requests.size()];
    int longestCandidate = 0; // of the candidates scored where they stand: 0 when there are none
    int widestShared = 1;
    for (int q = 0; q < requests.size(); q++) {
      ScoringRequest request = requests.get(q);
      SharedPrefix prefix = prefixes.get(q);
      if (request.candidateIds().stream().anyMatch(c -> c.length == 0)) {
        throw new ModelException(
            ModelException.Code.BAD_OPTIONS, "a candidate answer has no tokens");
      }
      int[] suffix = prefix == null ? request.promptIds() : prefix.suffixOf(request.promptIds());
      shared[q] = request.candidateIds().stream().allMatch(c -> c.length == 1);
      if (shared[q]) {
        rows.add(suffix);
        rowImages.add(request.images());
        rowPrefixes.add(prefix);
        widestShared = Math.max(widestShared, request.candidates().size());
        continue;
      }
      for (int[] candidate : request.candidateIds()) {
        int[] row = Arrays.copyOf(suffix, suffix.length + candidate.length);
        System.arraycopy(candidate, 0, row, suffix.length, candidate.length);
        rows.add(row);
        rowImages.add(request.images()); // the same image objects: encoded once for all rows
        rowPrefixes.add(prefix);
        longestCandidate = Math.max(longestCandidate, candidate.length);
      }
    }
    int[][] ids = rows.toArray(int[][]::new);
    int b = ids.length;
    int t = Arrays.stream(ids).mapToInt(r -> r.length).max().orElse(0);
    ContinuousBatch.checkPromptLength(model, p + t);
    int c = longestCandidate;
    int k = widestShared;
    // 2. what to read at each of the last c + 1 positions: (b, c + 1, k) token ids (with
    // single-token candidates only, the last position alone: a suffix may be one token long)
    long[] index = new long[b * (c + 1) * k];
    int row = 0;
    for (int q = 0; q < requests.size(); q++) {
      ScoringRequest request = requests.get(q);
      if (shared[q]) {
        for (int j = 0; j < request.candidates().size(); j++) {
          index[(row * (c + 1) + c) * k + j] = request.candidateIds().get(j)[0];
        }
        row++;
        continue;
      }
      for (int j = 0; j < request.candidates().size(); j++, row++) {
        int[] candidate = request.candidateIds().get(j);
        for (int i = 0; i < candidate.length; i++) {
          // the token at position t - len + i is predicted at position t - len + i - 1
          index[(row * (c + 1) + c - candidate.length + i) * k] = candidate[i];
        }
      }
    }
    TextConfig text = model.config().text();
    float[] logProbs;
    try (NDManager batch = model.manager().newSubManager();
        KvCache cache = model.languageModel().newCache(batch, b, p + t)) {
      int[] imageTokensBefore = new int[b];
      for (int r = 0; r < b; r++) {
        SharedPrefix prefix = rowPrefixes.get(r);
        if (prefix != null) {
          cache.copyRow(prefix.cache(), 0, r, 0, p);
          imageTokensBefore[r] = prefix.imageTokens();
        }
      }
      PromptRows padded =
          PromptRows.leftPad(
              ids, t, Math.max(0, text.padTokenId()), p, rowImages, imageTokensBefore);
      NDArray hidden = model.prefill(batch, padded, cache);
      // 3. log P(next token) at the last c + 1 positions, read at the chosen ids: (b, c + 1, k)
      NDArray logSoftmax =
          model.languageModel().logits(hidden.get(":, {}:", t - 1 - c)).logSoftmax(-1);
      logProbs = logSoftmax.gather(batch.create(index, new Shape(b, c + 1, k)), 2).toFloatArray();
    }
    // 4. sum each candidate's tokens, renormalise over the set
    List<Candidates> out = new ArrayList<>();
    row = 0;
    for (int q = 0; q < requests.size(); q++) {
      ScoringRequest request = requests.get(q);
      int n = request.candidates().size();
      double[] lp = new double[n];
      if (shared[q]) {
        for (int j = 0; j < n; j++) {
          lp[j] = logProbs[(row * (c + 1) + c) * k + j];
        }
        row++;
      } else {
        for (int j = 0; j < n; j++, row++) {
          int length = request.candidateIds().get(j).length;
          for (int i = 0; i < length; i++) {
            lp[j] += logProbs[(row * (c + 1) + c - length + i) * k];
          }
        }
      }
      out.add(new Candidates(request.candidates(), lp, softmax(lp)));
    }
    return out;
  }

  /**
   * Logits of every position of one unpadded prompt: one causal pass, as transformers' forward
   * computes {@code logits} for a single sequence. What parity checks compare.
   *
   * @param images preprocessed pixel values, one per image in the prompt
   * @return (t, vocab) float32, flattened
   */
  public static float[] logitsOfEveryPosition(LlavaModel model, int[] ids, List<float[]> images) {
    int t = ids.length;
    try (NDManager m = model.manager().newSubManager();
        KvCache cache = model.languageModel().newCache(m, 1, t)) {
      PromptRows prompt =
          PromptRows.leftPad(
              new int[][] {ids},
              t,
              0,
              0,
              List.of(images.stream().map(ImageInput::pixels).toList()),
              new int[1]);
      return model.languageModel().logits(model.prefill(m, prompt, cache)).toFloatArray();
    }
  }

  private static double[] softmax(double[] logits) {
    double max = Arrays.stream(logits).max().orElse(0);
    double[] p = new double[logits.length];
    double sum = 0;
    for (int j = 0; j < p.length; j++) {
      p[j] = Math.exp(logits[j] - max);
      sum += p[j];
    }
    for (int j = 0; j < p.length; j++) {
      p[j] /= sum;
    }
    return p;
  }
}
