package dev.glimpse.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.glimpse.model.LlavaModel;
import dev.glimpse.model.ModelException;
import dev.glimpse.model.config.TextConfig;
import dev.glimpse.model.language.KvCache;
import dev.glimpse.model.language.LlamaLanguageModel;
import dev.glimpse.model.text.LlavaTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Batched generation and candidate scoring over a {@link LlavaModel}. A batch of prompts is
 * left-padded to one length and decoded together, each row stopping on its own (EOS, max new
 * tokens, a stop string, the context's end); see {@link ContinuousBatch} for the decode loop,
 * which also lets requests join between steps.
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
    int b = requests.size();
    int longest = ContinuousBatch.checkPromptLengths(model,
        requests.stream().map(GenerationRequest::promptIds).toArray(int[][]::new));
    int maxNew = requests.stream().mapToInt(r -> r.options().maxNewTokens()).max().orElse(0);
    Generation[] out = new Generation[b];
    try (ContinuousBatch<Integer> batch = newBatch(b, longest + maxNew)) {
      List<Integer> tags = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        tags.add(i);
      }
      batch.join(tags, requests);
      while (!batch.isEmpty()) {
        for (ContinuousBatch.Finished<Integer> f : batch.step()) {
          out[f.tag()] = f.generation();
        }
      }
    }
    return List.of(out);
  }

  /**
   * Scores candidate answers after each prompt, all in one forward pass. A prompt whose
   * candidates are single tokens (yes/no) is one row: every candidate's probability comes from
   * the same next-token distribution. Otherwise each (prompt, candidate) pair is a row and the
   * candidate's tokens are scored where they stand. Image features of a prompt are computed once
   * for all its rows.
   */
  public List<Candidates> score(List<ScoringRequest> requests) {
    // 1. rows: one per prompt of single-token candidates, else one per candidate
    List<int[]> rows = new ArrayList<>();
    List<Integer> rowsPerRequest = new ArrayList<>();
    boolean[] shared = new boolean[requests.size()];
    int longestCandidate = 1;
    int widestShared = 1;
    for (int q = 0; q < requests.size(); q++) {
      ScoringRequest request = requests.get(q);
      if (request.candidateIds().stream().anyMatch(c -> c.length == 0)) {
        throw new ModelException(ModelException.Code.BAD_OPTIONS, "a candidate answer has no tokens");
      }
      shared[q] = request.candidateIds().stream().allMatch(c -> c.length == 1);
      if (shared[q]) {
        rows.add(request.promptIds());
        rowsPerRequest.add(1);
        widestShared = Math.max(widestShared, request.candidates().size());
        continue;
      }
      for (int[] candidate : request.candidateIds()) {
        int[] row = Arrays.copyOf(request.promptIds(), request.promptIds().length + candidate.length);
        System.arraycopy(candidate, 0, row, request.promptIds().length, candidate.length);
        rows.add(row);
        longestCandidate = Math.max(longestCandidate, candidate.length);
      }
      rowsPerRequest.add(request.candidates().size());
    }
    int[][] ids = rows.toArray(int[][]::new);
    int b = ids.length;
    int t = ContinuousBatch.checkPromptLengths(model, ids);
    int c = longestCandidate;
    int k = widestShared;
    // 2. what to read at each of the last c + 1 positions: (b, c + 1, k) token ids
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
    LlamaLanguageModel lm = model.languageModel();
    float[] logProbs;
    try (NDManager batch = model.manager().newSubManager();
        KvCache cache = new KvCache(batch, text.numHiddenLayers(), b, text.numKeyValueHeads(), t, text.headDim(),
            lm.embedDtype())) {
      NDArray features = imageFeaturesPerRow(batch, requests, rowsPerRequest);
      Padded padded = Padded.leftPad(ids, t, Math.max(0, text.padTokenId()));
      NDArray embeds = model.embedPrompt(batch, padded.ids(), features);
      NDArray hidden = lm.forward(embeds, batch.create(padded.positions(), new Shape(b, t)),
          batch.create(padded.causalMask(), new Shape(b, 1, t, t)), cache, 0);
      // 3. log P(next token) at the last c + 1 positions, read at the chosen ids: (b, c + 1, k)
      NDArray logSoftmax = lm.logits(hidden.get(":, {}:", t - 1 - c)).logSoftmax(-1);
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
    TextConfig text = model.config().text();
    LlamaLanguageModel lm = model.languageModel();
    try (NDManager m = model.manager().newSubManager();
        KvCache cache = new KvCache(m, text.numHiddenLayers(), 1, text.numKeyValueHeads(), t, text.headDim(),
            lm.embedDtype())) {
      NDArray features = ContinuousBatch.imageFeatures(model, m, List.of(images));
      Padded prompt = Padded.leftPad(new int[][] {ids}, t, 0);
      NDArray hidden = lm.forward(model.embedPrompt(m, prompt.ids(), features),
          m.create(prompt.positions(), new Shape(1, t)), m.create(prompt.causalMask(), new Shape(1, 1, t, t)),
          cache, 0);
      return lm.logits(hidden).toFloatArray();
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

  /** Features of each request's images computed once, then repeated for each of its rows. */
  private NDArray imageFeaturesPerRow(NDManager batch, List<ScoringRequest> requests, List<Integer> rowsPerRequest) {
    NDArray unique = ContinuousBatch.imageFeatures(model, batch,
        requests.stream().map(ScoringRequest::images).toList());
    if (unique == null) {
      return null;
    }
    List<Long> order = new ArrayList<>();
    long first = 0;
    for (int q = 0; q < requests.size(); q++) {
      int images = requests.get(q).images().size();
      for (int j = 0; j < rowsPerRequest.get(q); j++) {
        for (int i = 0; i < images; i++) {
          order.add(first + i);
        }
      }
      first += images;
    }
    Shape s = unique.getShape();
    NDArray flat = unique.reshape(s.get(0), s.get(1) * s.get(2));
    NDArray repeated = Embedding.embedding(batch.create(order.stream().mapToLong(Long::longValue).toArray()), flat,
        SparseFormat.DENSE).singletonOrThrow();
    return repeated.reshape(order.size(), s.get(1), s.get(2));
  }
}
