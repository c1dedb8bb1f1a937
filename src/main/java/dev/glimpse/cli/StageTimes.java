package dev.glimpse.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a run's model time went, read from the worker's own meters: the vision passes, the prefills
 * of shared prefixes and of task suffixes, the moderation passes, and the decode steps with the
 * rows they carried and the cache positions they attended to. {@code bench-pipeline} takes one
 * before and one after each measured run, and sums each path's runs, so that the engine and the
 * Kafka runs can be compared stage by stage.
 */
record StageTimes(
    Stage vision,
    Stage prefix,
    Stage suffix,
    Stage moderation,
    Stage decode,
    double decodeRows,
    double decodePositions,
    Stage commit) {

  /** Calls of one stage and the seconds they took together. */
  record Stage(long calls, double seconds) {
    Stage minus(Stage before) {
      return new Stage(calls - before.calls, seconds - before.seconds);
    }

    Stage plus(Stage other) {
      return new Stage(calls + other.calls, seconds + other.seconds);
    }

    double millisPerCall() {
      return calls == 0 ? 0 : seconds * 1000 / calls;
    }
  }

  static StageTimes of(MeterRegistry registry) {
    DistributionSummary rows = registry.find("glimpse.decode.batch.rows").summary();
    DistributionSummary positions = registry.find("glimpse.decode.batch.positions").summary();
    return new StageTimes(
        stage(registry.find("glimpse.vision.encode").timer()),
        stage(registry.find("glimpse.prefill").tag("part", "prefix").timer()),
        stage(registry.find("glimpse.prefill").tag("part", "suffix").timer()),
        stage(registry.find("glimpse.prefill").tag("part", "moderation").timer()),
        stage(registry.find("glimpse.decode.step").timer()),
        rows == null ? 0 : rows.totalAmount(),
        positions == null ? 0 : positions.totalAmount(),
        stage(registry.find("glimpse.worker.commit").timer()));
  }

  private static Stage stage(Timer timer) {
    return timer == null
        ? new Stage(0, 0)
        : new Stage(timer.count(), timer.totalTime(TimeUnit.SECONDS));
  }

  /** What happened between {@code before} and this snapshot. */
  StageTimes minus(StageTimes before) {
    return new StageTimes(
        vision.minus(before.vision),
        prefix.minus(before.prefix),
        suffix.minus(before.suffix),
        moderation.minus(before.moderation),
        decode.minus(before.decode),
        decodeRows - before.decodeRows,
        decodePositions - before.decodePositions,
        commit.minus(before.commit));
  }

  /** Several runs' stages together. */
  static StageTimes sum(List<StageTimes> runs) {
    Stage none = new Stage(0, 0);
    StageTimes total = new StageTimes(none, none, none, none, none, 0, 0, none);
    for (StageTimes r : runs) {
      total =
          new StageTimes(
              total.vision.plus(r.vision),
              total.prefix.plus(r.prefix),
              total.suffix.plus(r.suffix),
              total.moderation.plus(r.moderation),
              total.decode.plus(r.decode),
              total.decodeRows + r.decodeRows,
              total.decodePositions + r.decodePositions,
              total.commit.plus(r.commit));
    }
    return total;
  }

  double meanRows() {
    return decode.calls == 0 ? 0 : decodeRows / decode.calls;
  }

  /** Cache positions a decode step attended to, on average. */
  double meanPositions() {
    return decode.calls == 0 ? 0 : decodePositions / decode.calls;
  }

  /** The seconds of all five stages: the model's busy time. */
  double modelSeconds() {
    return vision.seconds + prefix.seconds + suffix.seconds + moderation.seconds + decode.seconds;
  }

  /**
   * One line: each stage's calls and ms per call, the model's busy seconds, the seconds of the
   * run's {@code wallSeconds} left over (the model idle, waiting for work, or in the scheduler's
   * own code between stages), and the transactions (none in the engine run), which commit on a
   * thread of their own while the model works.
   */
  String describe(double wallSeconds) {
    return String.format(
        "vision %d x %.0f ms, prefix prefill %d x %.0f ms, suffix prefill %d x %.0f ms, "
            + "moderation %d x %.0f ms, decode %d steps x %.1f ms (%.1f rows, %.0f positions); model busy %.1f s, the rest %.1f s of"
            + " %.1f s; commits %d x %.1f ms beside it",
        vision.calls,
        vision.millisPerCall(),
        prefix.calls,
        prefix.millisPerCall(),
        suffix.calls,
        suffix.millisPerCall(),
        moderation.calls,
        moderation.millisPerCall(),
        decode.calls,
        decode.millisPerCall(),
        meanRows(),
        meanPositions(),
        modelSeconds(),
        wallSeconds - modelSeconds(),
        wallSeconds,
        commit.calls,
        commit.millisPerCall());
  }

  void writeTo(ObjectNode node) {
    put(node.putObject("vision"), vision);
    put(node.putObject("prefix_prefill"), prefix);
    put(node.putObject("suffix_prefill"), suffix);
    put(node.putObject("moderation"), moderation);
    put(node.putObject("decode"), decode);
    node.put("decode_rows_mean", Figures.round(meanRows()));
    node.put("decode_positions_mean", Figures.round(meanPositions()));
    node.put("model_busy_s", Figures.round(modelSeconds()));
    put(node.putObject("commit"), commit);
  }

  private static void put(ObjectNode node, Stage stage) {
    node.put("calls", stage.calls);
    node.put("ms_per_call", Figures.round(stage.millisPerCall()));
  }
}
