package dev.glimpse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.glimpse.model.checkpoint.CheckpointKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) over a set of named arrays, updated in place outside the gradient
 * collector. Weight decay applies to matrices only, not to norms, biases or the class token.
 */
public final class AdamW {

  /** Gradients are scaled down to this global norm. */
  public static final double CLIP = 1.0;

  private final List<NDArray> params = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private final List<Boolean> decay = new ArrayList<>();
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private int t;
  private int skipped;

  public AdamW(
      Map<String, NDArray> trainable, double beta1, double beta2, double eps, double weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    trainable.forEach(
        (name, p) -> {
          names.add(name);
          p.setRequiresGradient(true);
          params.add(p);
          m.add(p.zerosLike());
          v.add(p.zerosLike());
          decay.add(p.getShape().dimension() >= 2 && !CheckpointKeys.isEmbedding(name));
        });
  }

  public static AdamW defaults(Map<String, NDArray> trainable) {
    return new AdamW(trainable, 0.9, 0.98, 1e-8, 0.01);
  }

  /** The optimizer's state arrays, to attach to a step's manager along with the weights. */
  public List<NDArray> state() {
    List<NDArray> all = new ArrayList<>(m);
    all.addAll(v);
    return all;
  }

  /**
   * One update with the gradients the last backward pass left, clipped to a global norm of {@link
   * #CLIP}; the gradients are then zeroed. A step whose gradient is not finite is skipped.
   *
   * @return the gradient's global norm before clipping
   */
  public double step(double lr) {
    List<NDArray> grads = new ArrayList<>();
    double sumSquares = 0;
    for (NDArray p : params) {
      NDArray g = p.getGradient();
      grads.add(g);
      sumSquares += g.square().sum().getFloat();
    }
    double norm = Math.sqrt(sumSquares);
    if (!Double.isFinite(norm)) {
      List<String> bad = new ArrayList<>();
      for (int i = 0; i < grads.size(); i++) {
        NDArray g = grads.get(i);
        if (!Float.isFinite(g.square().sum().getFloat())) {
          bad.add(names.get(i));
        }
        g.set(new NDIndex("..."), g.zerosLike());
      }
      skipped++;
      System.err.println(
          "skipped an update with a non-finite gradient ("
              + bad.size()
              + " weights, first "
              + bad.get(0)
              + ")");
      return norm;
    }
    double scale = norm > CLIP ? CLIP / norm : 1.0;
    t++;
    double c1 = 1 - Math.pow(beta1, t);
    double c2 = 1 - Math.pow(beta2, t);
    for (int i = 0; i < params.size(); i++) {
      NDArray p = params.get(i);
      NDArray g = grads.get(i);
      if (scale < 1) {
        g.muli(scale);
      }
      m.get(i).muli(beta1).addi(g.mul(1 - beta1));
      v.get(i).muli(beta2).addi(g.square().muli(1 - beta2));
      NDArray update = m.get(i).div(c1).divi(v.get(i).div(c2).sqrt().addi(eps));
      if (decay.get(i)) {
        update.addi(p.mul(weightDecay));
      }
      p.subi(update.muli(lr));
      g.muli(0);
    }
    return norm;
  }

  /** Updates skipped because the gradient was not finite. */
  public int skipped() {
    return skipped;
  }

  /** Linear warm-up over the first {@code warmup} steps, then cosine decay to a tenth. */
  public static double schedule(double peak, int step, int steps, int warmup) {
    if (step < warmup) {
      return peak * (step + 1) / warmup;
    }
    double progress = (step - warmup) / (double) Math.max(1, steps - warmup);
    return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}
