package dev.glimpse.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.model.Fixture;
import dev.glimpse.model.LoadedCheckpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests that join a running batch between steps decode exactly as they would alone. */
class ContinuousBatchTest {
  private static LoadedCheckpoint loaded;
  private static Generator generator;

  @BeforeAll
  static void load() {
    loaded = LoadedCheckpoint.onCpu(Fixture.llavaTinyA());
    generator = new Generator(loaded.model(), loaded.tokenizer(), Set.of(2));
  }

  @AfterAll
  static void close() {
    loaded.close();
  }

  private static GenerationRequest request(int c, int tokens) {
    return GenerationRequest.ofPixels(
        loaded.fixture().inputIds(c),
        List.of(loaded.pixelsOfCase(c)),
        GenerationOptions.greedy(tokens));
  }

  private static void step(ContinuousBatch<String> batch, Map<String, int[]> results) {
    batch.step().forEach(f -> results.put(f.tag(), f.generation().tokenIds()));
  }

  private static void assertEveryCaseGaveItsFixtureTokens(Map<String, int[]> results) {
    for (int c = 0; c < loaded.fixture().cases(); c++) {
      assertArrayEquals(loaded.fixture().generatedIds(c), results.get("case" + c), "case " + c);
    }
  }

  @Test
  void requestsJoiningMidDecodeGiveTheTokensTheyGiveAlone() {
    Map<String, int[]> results = new HashMap<>();
    try (ContinuousBatch<String> batch = generator.newBatch(2, 64)) {
      batch.join(List.of("case0"), List.of(request(0, 12)));
      for (int i = 0; i < 3; i++) {
        step(batch, results);
      }
      // case 1 (27 tokens) and then case 2 (26) join while case 0 (28) is decoding
      assertTrue(batch.canJoin(loaded.fixture().inputIds(1).length, 12));
      batch.join(List.of("case1"), List.of(request(1, 12)));
      assertFalse(batch.canJoin(loaded.fixture().inputIds(2).length, 12), "both slots are taken");
      while (batch.freeSlots() == 0) {
        step(batch, results);
      }
      assertTrue(batch.canJoin(loaded.fixture().inputIds(2).length, 12));
      batch.join(List.of("case2"), List.of(request(2, 12)));
      stepUntilEmpty(batch, results);
    }
    assertEveryCaseGaveItsFixtureTokens(results);
  }

  @Test
  void aRowJoinsWhenTheRunningRowsMoveLeftToMakeRoomAtTheEnd() {
    Map<String, int[]> results = new HashMap<>();
    try (ContinuousBatch<String> batch = caseOneJoinedAfter(3, results)) { // case 1 from 4
      // the rows end at 40: 12 more tokens fit in 48 positions once case 1 moves 4 to the left,
      // 16 would need 8
      assertFalse(batch.canJoin(loaded.fixture().inputIds(2).length, 16));
      assertTrue(batch.canJoin(loaded.fixture().inputIds(2).length, 12));
      batch.join(List.of("case2"), List.of(request(2, 12)));
      stepUntilEmpty(batch, results);
    }
    assertEveryCaseGaveItsFixtureTokens(results);
  }

  @Test
  void rowsThatMustMoveLeftForAJoinerMoveAsFarAsTheyCan() {
    Map<String, int[]> results = new HashMap<>();
    try (ContinuousBatch<String> batch = caseOneJoinedAfter(6, results)) { // case 1 from 7
      int before = batch.attendedPositions();
      // case 2's 12 tokens need the rows 3 positions further left; they move 7, to case 1's first
      batch.join(List.of("case2"), List.of(request(2, 12)));
      assertEquals(before - 7, batch.attendedPositions());
      stepUntilEmpty(batch, results);
    }
    assertEveryCaseGaveItsFixtureTokens(results);
  }

  /**
   * A batch of 2 rows x 48 positions in which case 0 (28 tokens, from position 0) took {@code
   * steps} steps before case 1 (27 tokens) joined, from position {@code steps + 1}, then stepped
   * until case 0 is done and a row is free.
   */
  private ContinuousBatch<String> caseOneJoinedAfter(int steps, Map<String, int[]> results) {
    ContinuousBatch<String> batch = generator.newBatch(2, 48);
    batch.join(List.of("case0"), List.of(request(0, 12)));
    for (int i = 0; i < steps; i++) {
      step(batch, results);
    }
    batch.join(List.of("case1"), List.of(request(1, 12)));
    while (batch.freeSlots() == 0) {
      step(batch, results);
    }
    return batch;
  }

  private static void stepUntilEmpty(ContinuousBatch<String> batch, Map<String, int[]> results) {
    while (!batch.isEmpty()) {
      step(batch, results);
    }
  }

  @Test
  void aPromptLongerThanTheRunningRowsWaits() {
    try (ContinuousBatch<String> batch = generator.newBatch(2, 64)) {
      batch.join(List.of("short"), List.of(request(2, 4))); // 26 tokens
      assertFalse(
          batch.canJoin(loaded.fixture().inputIds(0).length, 4),
          "28 tokens cannot end at position 26");
      while (!batch.isEmpty()) {
        batch.step();
      }
      assertTrue(
          batch.canJoin(loaded.fixture().inputIds(0).length, 4),
          "an empty batch takes any prompt that fits");
      assertEquals(0, batch.running());
    }
  }
}
