package dev.glimpse.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a finished stage reports: its figures, its curves and, for a stage that is probed, its
 * held-out accuracy per key ({@link HeldOutProbe}).
 */
record StageReport(
    ShapesTrainer.StageResult result,
    TrainingCurves.Stage curves,
    Optional<Map<String, Double>> heldOut) {

  StageReport withHeldOut(Map<String, Double> accuracy) {
    // in the probe's order: the report lists the keys as they come
    return new StageReport(
        result, curves, Optional.of(Collections.unmodifiableMap(new LinkedHashMap<>(accuracy))));
  }
}
