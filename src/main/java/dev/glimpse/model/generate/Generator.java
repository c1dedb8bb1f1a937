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
   * Scores candidate answers after each prompt: every (prompt, candidate) pair is one row of a
   * single forward pass; the image features of a prompt are computed once for all its rows.
   */
  public List<Candidates> score(List<ScoringRequest> requests) {
    List<int[]> rows = new ArrayList<>();
    int longestCandidate = 1;
    for (ScoringRequest request : requests) {
      for (int[] candidate : request.candidateIds()) {
        if (candidate.length == 0) {
          throw new ModelException(ModelException.Code.BAD_OPTIONS, "a candidate answer has no tokens");
        }
        int[] row = Arrays.copyOf(request.promptIds(), request.promptIds().length + candidate.length);
        System.arraycopy(candidate, 0, row, request.promptIds().length, candidate.length);
        rows.add(row);
        longestCandidate = Math.max(longestCandidate, candidate.length);
      }
    }
    int[][] ids = rows.toArray(int[][]::new);
    int b = ids.length;
    int t = ContinuousBatch.checkPromptLengths(model, ids);
    int c = longestCandidate;
    TextConfig text = model.config().text();
    LlamaLanguageModel lm = model.languageModel();
    float[] logProbs;
    try (NDManager batch = model.manager().newSubManager();
        KvCache cache = new KvCache(batch, text.numHiddenLayers(), b, text.numKeyValueHeads(), t, text.headDim(),
            lm.embedDtype())) {
      NDArray features = imageFeaturesOncePerRequest(batch, requests);
      Padded padded = Padded.leftPad(ids, t, Math.max(0, text.padTokenId()));
      NDArray embeds = model.embedPrompt(batch, padded.ids(), features);
      NDArray hidden = lm.forward(embeds, batch.create(padded.positions(), new Shape(b, t)),
          batch.create(padded.causalMask(), new Shape(b, 1, t, t)), cache, 0);
      // log P(token i+1 | tokens <= i) for the last c tokens of each row: (b, c)
      NDArray logSoftmax = lm.logits(hidden.get(":, {}:{}", t - 1 - c, t - 1)).logSoftmax(-1);
      long[] targets = new long[b * c];
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < c; i++) {
          targets[r * c + i] = padded.ids()[r][t - c + i];
        }
      }
      logProbs = logSoftmax.gather(batch.create(targets, new Shape(b, c, 1)), 2).toFloatArray();
    }
    List<Candidates> out = new ArrayList<>();
    int row = 0;
    for (ScoringRequest request : requests) {
      int n = request.candidates().size();
      double[] lp = new double[n];
      for (int j = 0; j < n; j++, row++) {
        int length = request.candidateIds().get(j).length;
        for (int i = c - length; i < c; i++) {
          lp[j] += logProbs[row * c + i];
        }
      }
      out.add(new Candidates(request.candidates(), lp, softmax(lp)));
    }
    return out;
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

  /** Features of each request's images computed once, then repeated for each of its candidate rows. */
  private NDArray imageFeaturesOncePerRequest(NDManager batch, List<ScoringRequest> requests) {
    NDArray unique = ContinuousBatch.imageFeatures(model, batch,
        requests.stream().map(ScoringRequest::images).toList());
    if (unique == null) {
      return null;
    }
    List<Long> order = new ArrayList<>();
    long first = 0;
    for (ScoringRequest request : requests) {
      for (int j = 0; j < request.candidates().size(); j++) {
        for (int i = 0; i < request.images().size(); i++) {
          order.add(first + i);
        }
      }
      first += request.images().size();
    }
    Shape s = unique.getShape();
    NDArray flat = unique.reshape(s.get(0), s.get(1) * s.get(2));
    NDArray repeated = Embedding.embedding(batch.create(order.stream().mapToLong(Long::longValue).toArray()), flat,
        SparseFormat.DENSE).singletonOrThrow();
    return repeated.reshape(order.size(), s.get(1), s.get(2));
  }
}
