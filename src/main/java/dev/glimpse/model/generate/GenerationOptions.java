package dev.glimpse.model.generate;

import dev.glimpse.model.ModelException;
import java.util.List;

/**
 * How one prompt is continued. Temperature 0 is greedy decoding; above 0, sampling from the
 * temperature-scaled distribution restricted by top-k (0 = off) and top-p (1 = off), seeded.
 */
public record GenerationOptions(
    int maxNewTokens,
    double temperature,
    int topK,
    double topP,
    long seed,
    List<String> stopStrings) {

  public GenerationOptions {
    stopStrings = List.copyOf(stopStrings);
    if (maxNewTokens < 1) {
      throw new ModelException(
          ModelException.Code.BAD_OPTIONS,
          "max new tokens must be at least 1, got " + maxNewTokens);
    }
    if (temperature < 0 || Double.isNaN(temperature)) {
      throw new ModelException(
          ModelException.Code.BAD_OPTIONS, "temperature must be >= 0, got " + temperature);
    }
    if (topK < 0) {
      throw new ModelException(
          ModelException.Code.BAD_OPTIONS, "top-k must be >= 0 (0 = off), got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new ModelException(
          ModelException.Code.BAD_OPTIONS, "top-p must be in (0, 1], got " + topP);
    }
  }

  public static GenerationOptions greedy(int maxNewTokens) {
    return new GenerationOptions(maxNewTokens, 0, 0, 1, 0, List.of());
  }

  public boolean isGreedy() {
    return temperature == 0;
  }
}
