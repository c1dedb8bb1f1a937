package dev.glimpse.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void bundledSpecsNameEveryTopicOfThePipeline() {
    Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());

    assertEquals("glimpse.images", topics.images().name());
    assertEquals("glimpse.requests", topics.requests().name());
    assertEquals("glimpse.captions", topics.captions().name());
    assertEquals("glimpse.answers", topics.answers().name());
    assertEquals("glimpse.moderation", topics.moderation().name());
    assertEquals("glimpse.result-cache", topics.resultCache().name());
    assertEquals("glimpse.dlq", topics.dlq().name());
    assertEquals(7, topics.specs().size());
  }

  @Test
  void onlyTheResultCacheIsCompactedSoThatNoResultOfAnEventVanishes() {
    for (TopicSpec spec : Topics.bundledSpecs()) {
      boolean cache = spec.role().equals("result_cache");
      assertEquals(
          cache ? "compact" : "delete", spec.configs().get("cleanup.policy"), spec.toString());
    }
  }

  @Test
  void specsWithoutARoleAreRefusedWithTheMissingRole() {
    var only = List.of(new TopicSpec("images", "x", 1, Optional.empty(), Map.of()));
    var e =
        assertThrows(IllegalArgumentException.class, () -> Topics.from(only, Contract.current()));
    assertTrue(e.getMessage().contains("'requests'"), e.getMessage());
  }
}
