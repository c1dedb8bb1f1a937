package dev.glimpse.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import java.util.List;
import java.util.Set;

/**
 * Batched decoding over a {@link LlavaModel}. Prompts of a batch are left-padded to one length
 * and decoded together, each row stopping on its own (EOS, max new tokens, a stop string, the
 * context's end); rotary positions count real tokens only, as transformers' generate does.
 *
 * <p>Array lifetimes: a manager per batch holds the image features, masks and KV cache; each
 * decode step runs in a sub-manager of its own, closed when the step's tokens are on the host.
 */
public final class Generator {

  private static final float MASKED = -Float.MAX_VALUE;

  private final LlavaModel model;
  private final LlavaTokenizer tokenizer;
  private final Set<Integer> eosIds;
  private final int padId;

  public Generator(LlavaModel model, LlavaTokenizer tokenizer, Set<Integer> eosIds) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.eosIds = Set.copyOf(eosIds);
    int pad = model.config().text().padTokenId();
    this.padId = pad >= 0 ? pad : 0;
  }

  /** Generates a continuation for every request, as one batch; results in request order. */
  public List<Generation> generate(List<GenerationRequest> requests) {
    int b = requests.size();
    TextConfig text = model.config().text();
    LlamaLanguageModel lm = model.languageModel();
    int[][] prompts = requests.stream().map(GenerationRequest::promptIds).toArray(int[][]::new);
    int t = checkPromptLengths(prompts);
    int maxNew = requests.stream().mapToInt(r -> r.options().maxNewTokens()).max().orElse(0);
    int capacity = t + maxNew;
    List<List<Integer>> generated = new ArrayList<>();
    Generation.FinishReason[] finished = new Generation.FinishReason[b];
    String[] texts = new String[b];
    Sampler[] samplers = new Sampler[b];
    boolean allGreedy = true;
    for (int r = 0; r < b; r++) {
      generated.add(new ArrayList<>());
      GenerationOptions o = requests.get(r).options();
      samplers[r] = o.isGreedy() ? null : new Sampler(o);
      allGreedy &= o.isGreedy();
    }
    try (NDManager batch = model.manager().newSubManager();
        KvCache cache = new KvCache(batch, text.numHiddenLayers(), b, text.numKeyValueHeads(), capacity,
            text.headDim(), lm.embedDtype())) {
      // 1. image features of every request, in row order
      NDArray features = imageFeatures(batch, requests.stream().map(GenerationRequest::images).toList());
      Padded padded = leftPad(prompts, t);
      NDArray keyMask = batch.create(padded.keyMask(capacity), new Shape(b, 1, 1, capacity));
      int[] next;
      // 2. prefill: the whole prompt at once
      try (NDManager step = batch.newSubManager()) {
        NDArray embeds = model.embedPrompt(step, padded.ids(), features);
        NDArray hidden = lm.forward(embeds, step.create(padded.positions(), new Shape(b, t)),
            step.create(padded.causalMask(), new Shape(b, 1, t, t)), cache, 0);
        next = choose(hidden.get(":, -1"), allGreedy, samplers);
      }
      // 3. decode one token per row per step until every row has stopped
      for (int k = 0; ; k++) {
        boolean running = false;
        for (int r = 0; r < b; r++) {
          if (finished[r] == null) {
            finished[r] = accept(r, next[r], generated.get(r), requests.get(r), texts);
            running |= finished[r] == null;
          }
        }
        if (!running) {
          break;
        }
        int filled = t + k;
        long[] ids = new long[b];
        float[] positions = new float[b];
        for (int r = 0; r < b; r++) {
          ids[r] = finished[r] == null ? next[r] : padId;
          positions[r] = prompts[r].length + k;
        }
        try (NDManager step = batch.newSubManager()) {
          NDArray embeds = lm.embed(step.create(ids, new Shape(b, 1)));
          NDArray mask = keyMask.get(":, :, :, :{}", filled + 1);
          mask.attach(step);
          NDArray hidden = lm.forward(embeds, step.create(positions, new Shape(b, 1)), mask, cache, filled);
          next = choose(hidden.get(":, -1"), allGreedy, samplers);
        }
        for (int r = 0; r < b; r++) {
          if (finished[r] == null && prompts[r].length + k + 1 >= text.maxPositionEmbeddings()) {
            finished[r] = Generation.FinishReason.CONTEXT_FULL;
          }
        }
      }
    }
    List<Generation> out = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      int[] ids = generated.get(r).stream().mapToInt(Integer::intValue).toArray();
      String decoded = texts[r] != null ? texts[r] : tokenizer.decode(ids);
      out.add(new Generation(ids, decoded, finished[r], prompts[r].length));
    }
    return out;
  }

  /**
   * Records a row's new token and says whether the row is now finished; null while it runs.
   * EOS is not kept; a stop string cuts the text before it.
   */
  private Generation.FinishReason accept(int row, int token, List<Integer> ids, GenerationRequest request,
      String[] texts) {
    if (eosIds.contains(token)) {
      return Generation.FinishReason.EOS;
    }
    ids.add(token);
    List<String> stops = request.options().stopStrings();
    if (!stops.isEmpty()) {
      String decoded = tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray());
      for (String stop : stops) {
        int at = decoded.indexOf(stop);
        if (at >= 0) {
          texts[row] = decoded.substring(0, at);
          return Generation.FinishReason.STOP_STRING;
        }
      }
    }
    return ids.size() >= request.options().maxNewTokens() ? Generation.FinishReason.MAX_NEW_TOKENS : null;
  }

  /** The next token of every row from its last hidden state (batch, hidden). */
  private int[] choose(NDArray lastHidden, boolean allGreedy, Sampler[] samplers) {
    NDArray logits = model.languageModel().logits(lastHidden); // (batch, vocab)
    int b = samplers.length;
    int[] next = new int[b];
    if (allGreedy) {
      long[] argMax = logits.argMax(-1).toLongArray();
      for (int r = 0; r < b; r++) {
        next[r] = (int) argMax[r];
      }
      return next;
    }
    int vocab = (int) logits.getShape().get(1);
    float[] host = logits.toFloatArray();
    for (int r = 0; r < b; r++) {
      next[r] = samplers[r] == null ? argMax(host, r * vocab, vocab) : samplers[r].next(host, r * vocab, vocab);
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

  /**
   * Scores candidate answers after each prompt: every (prompt, candidate) pair is one row of a
   * single forward pass; the image features of a prompt are computed once for all its rows.
   */
  public List<Candidates> score(List<ScoringRequest> requests) {
    List<int[]> rows = new ArrayList<>();
    List<List<float[]>> rowImages = new ArrayList<>();
    int longestCandidate = 1;
    for (ScoringRequest request : requests) {
      for (int[] candidate : request.candidateIds()) {
        if (candidate.length == 0) {
          throw new ModelException(ModelException.Code.BAD_OPTIONS, "a candidate answer has no tokens");
        }
        int[] row = new int[request.promptIds().length + candidate.length];
        System.arraycopy(request.promptIds(), 0, row, 0, request.promptIds().length);
        System.arraycopy(candidate, 0, row, request.promptIds().length, candidate.length);
        rows.add(row);
        rowImages.add(request.images());
        longestCandidate = Math.max(longestCandidate, candidate.length);
      }
    }
    int[][] ids = rows.toArray(int[][]::new);
    int b = ids.length;
    int t = checkPromptLengths(ids);
    int c = longestCandidate;
    TextConfig text = model.config().text();
    LlamaLanguageModel lm = model.languageModel();
    float[] logProbs;
    try (NDManager batch = model.manager().newSubManager();
        KvCache cache = new KvCache(batch, text.numHiddenLayers(), b, text.numKeyValueHeads(), t, text.headDim(),
            lm.embedDtype())) {
      NDArray features = imageFeaturesOncePerRequest(batch, requests);
      Padded padded = leftPad(ids, t);
      NDArray embeds = model.embedPrompt(batch, padded.ids(), features);
      NDArray hidden = lm.forward(embeds, batch.create(padded.positions(), new Shape(b, t)),
          batch.create(padded.causalMask(), new Shape(b, 1, t, t)), cache, 0);
      // log P(token i+1 | tokens ≤ i) for the last c tokens of each row: (b, c)
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
      double max = java.util.Arrays.stream(lp).max().orElse(0);
      double sum = 0;
      double[] p = new double[n];
      for (int j = 0; j < n; j++) {
        p[j] = Math.exp(lp[j] - max);
        sum += p[j];
      }
      for (int j = 0; j < n; j++) {
        p[j] /= sum;
      }
      out.add(new Candidates(request.candidates(), lp, p));
    }
    return out;
  }

  private int checkPromptLengths(int[][] prompts) {
    int context = model.config().text().maxPositionEmbeddings();
    int t = 0;
    for (int[] prompt : prompts) {
      if (prompt.length >= context) {
        throw new ModelException(ModelException.Code.PROMPT_TOO_LONG,
            "the prompt has " + prompt.length + " tokens (image tokens included) but the model's context is "
                + context + "; shorten the prompt");
      }
      t = Math.max(t, prompt.length);
    }
    return t;
  }

  /** (images in row order, image tokens, hidden), or null when no row has an image. */
  private NDArray imageFeatures(NDManager batch, List<List<float[]>> imagesPerRow) {
    List<float[]> all = imagesPerRow.stream().flatMap(List::stream).toList();
    if (all.isEmpty()) {
      return null;
    }
    return model.imageFeatures(pixelValues(batch, all));
  }

  /** Features of each request's images computed once, then repeated for each of its candidate rows. */
  private NDArray imageFeaturesOncePerRequest(NDManager batch, List<ScoringRequest> requests) {
    NDArray unique = imageFeatures(batch, requests.stream().map(ScoringRequest::images).toList());
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

  /** (images, channels, height, width) on the model's device, in the model's dtype. */
  private NDArray pixelValues(NDManager batch, List<float[]> images) {
    var v = model.config().vision();
    Shape one = new Shape(1, v.numChannels(), v.imageSize(), v.imageSize());
    NDList arrays = new NDList();
    for (float[] image : images) {
      if (image.length != one.size()) {
        throw new ModelException(ModelException.Code.BAD_OPTIONS, "an image has " + image.length
            + " values; this model takes " + one + " pixel values per image");
      }
      arrays.add(batch.create(image, one));
    }
    NDArray stacked = arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays, 0);
    DataType dtype = model.languageModel().embedDtype();
    return stacked.getDataType() == dtype ? stacked : stacked.toType(dtype, false);
  }

  /** Left-padded prompts with their rotary positions and masks. */
  private record Padded(int[][] ids, int[] padding, float[] positions, float[] causalMask) {
    float[] keyMask(int capacity) {
      int b = ids.length;
      float[] mask = new float[b * capacity];
      for (int r = 0; r < b; r++) {
        for (int j = 0; j < padding[r]; j++) {
          mask[r * capacity + j] = MASKED;
        }
      }
      return mask;
    }
  }

  private Padded leftPad(int[][] prompts, int t) {
    int b = prompts.length;
    int[][] ids = new int[b][t];
    int[] padding = new int[b];
    float[] positions = new float[b * t];
    float[] mask = new float[b * t * t];
    for (int r = 0; r < b; r++) {
      int pad = t - prompts[r].length;
      padding[r] = pad;
      java.util.Arrays.fill(ids[r], 0, pad, padId);
      System.arraycopy(prompts[r], 0, ids[r], pad, prompts[r].length);
      for (int i = 0; i < t; i++) {
        // transformers: cumsum(attention_mask) - 1, and 1 where padded
        positions[r * t + i] = i < pad ? 1 : i - pad;
        for (int j = 0; j < t; j++) {
          boolean visible = j <= i && j >= pad;
          mask[(r * t + i) * t + j] = visible ? 0 : MASKED;
        }
      }
    }
    return new Padded(ids, padding, positions, mask);
  }
}
