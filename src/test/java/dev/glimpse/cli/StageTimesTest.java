package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StageTimesTest {

  @Test
  void aRunIsWhatTheWorkersMetersGainedBetweenTwoSnapshots() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Timer decode = Timer.builder("glimpse.decode.step").register(registry);
    Timer prefix = Timer.builder("glimpse.prefill").tag("part", "prefix").register(registry);
    Timer.builder("glimpse.prefill").tag("part", "suffix").register(registry);
    Timer commit = Timer.builder("glimpse.worker.commit").register(registry);
    DistributionSummary rows =
        DistributionSummary.builder("glimpse.decode.batch.rows").register(registry);
    DistributionSummary positions =
        DistributionSummary.builder("glimpse.decode.batch.positions").register(registry);
    decode.record(Duration.ofMillis(100)); // before the run: the warm-up
    rows.record(2);
    positions.record(1000);
    StageTimes before = StageTimes.of(registry);

    decode.record(Duration.ofMillis(20));
    decode.record(Duration.ofMillis(40));
    rows.record(8);
    rows.record(6);
    positions.record(200);
    positions.record(210);
    prefix.record(Duration.ofMillis(500));
    commit.record(Duration.ofMillis(40));
    StageTimes run = StageTimes.of(registry).minus(before);

    assertEquals(2, run.decode().calls());
    assertEquals(30, run.decode().millisPerCall(), 1e-9);
    assertEquals(7, run.meanRows(), 1e-9);
    assertEquals(205, run.meanPositions(), 1e-9);
    assertEquals(1, run.prefix().calls());
    assertEquals(0, run.suffix().calls());
    assertEquals(0, run.vision().calls(), "a meter the registry lacks counts as none");
    assertEquals(0.56, run.modelSeconds(), 1e-9, "the model's stages, not the commits");
    assertEquals(1, run.commit().calls());
    assertTrue(run.describe(1.0).contains("(7.0 rows, 205 positions)"), run.describe(1.0));
    assertTrue(
        run.describe(1.0)
            .endsWith("model busy 0.6 s, the rest 0.4 s of 1.0 s; commits 1 x 40.0 ms beside it"),
        run.describe(1.0));
  }
}
