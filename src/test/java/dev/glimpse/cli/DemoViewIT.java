package dev.glimpse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topics;
import dev.glimpse.ops.view.HeadlessChromium;
import dev.glimpse.ops.view.PageCards;
import dev.glimpse.pipeline.ResultTail;
import dev.glimpse.train.shapes.SceneGenerator;
import dev.glimpse.train.shapes.ShapeRenderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} serves the live view: the real command in its own JVM (embedded broker, ingest, a
 * worker on the built-in model) captions, answers and moderates generated scenes, and headless
 * Chromium shows, card by card, what the result topics and the dead-letter topic hold.
 */
class DemoViewIT {
  private static final Duration WAIT = Duration.ofSeconds(240);
  private static final String HOSTILE = "<img src=x onerror=\"document.title='pwned'\">.png";

  @TempDir Path tmp;

  @Test
  void thePageShowsEveryEventWithTheResultsAndDeadLettersTheTopicsHold() throws Exception {
    Path chromium = HeadlessChromium.binary().orElse(null);
    assumeTrue(chromium != null, HeadlessChromium.MISSING);
    Path images = Files.createDirectory(tmp.resolve("images"));
    SplittableRandom random = new SplittableRandom(2026);
    ShapeRenderer renderer = new ShapeRenderer();
    SceneGenerator generator = new SceneGenerator();
    for (int i = 0; i < 3; i++) {
      Files.write(
          images.resolve("scene-" + i + ".png"), renderer.renderPng(generator.generate(random)));
    }
    Files.write(images.resolve(HOSTILE), renderer.renderPng(generator.generate(random)));
    Files.writeString(images.resolve("notes.txt"), "not a picture", StandardCharsets.UTF_8);
    int events = 5;
    int results = 4 * 3; // caption, question and moderation of each of the four images

    try (ChildProcess demo =
        ChildProcess.start(
            tmp,
            "demo",
            "--images",
            images.toString(),
            "--question",
            "how many shapes are there",
            "--moderate",
            "--view-port",
            "0")) {
      demo.awaitLine("live view at http://127.0.0.1:", WAIT);
      String url = find(demo.output(), "live view at (http://\\S+)");
      assertTrue(demo.output().contains("Ctrl-C stops the demo and the view"), demo.output());
      String bootstrap = find(demo.output(), "broker ready at (\\S+)");

      // 1. what the topics hold, read as any consumer reads them
      List<ResultTail.Result> seen = new ArrayList<>();
      Set<String> answered = new HashSet<>();
      try (ResultTail tail =
          new ResultTail(
              Map.of("bootstrap.servers", bootstrap),
              Topics.from(Topics.bundledSpecs(), Contract.current()),
              ResultTail.allKinds(),
              true)) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (answered.size() < results + 1 && System.nanoTime() < deadline) {
          for (ResultTail.Result r : tail.poll(Duration.ofMillis(200))) {
            seen.add(r);
            answered.add(r.taskKey());
          }
        }
      }
      assertEquals(
          results + 1,
          answered.size(),
          "results and the dead letter of notes.txt: " + seen + "\n" + demo.output());
      Map<String, PageCards.Results> expected = PageCards.expected(seen);

      // 2. the page, in a real browser
      try (HeadlessChromium browser = HeadlessChromium.open(chromium, tmp, url, 1280, 1000)) {
        PageCards.Page page =
            PageCards.parse(
                browser.await(
                    PageCards.script(),
                    v -> {
                      PageCards.Page p = PageCards.parse(v);
                      // a thumbnail has no width until the browser has loaded it: under load that
                      // comes late. The dead letter of notes.txt (results) can come before its
                      // event (images), which brings the note and the tasks it kills
                      PageCards.Shown notes = p.byEvent().get("notes.txt");
                      return p.cards().size() == events
                          && notes != null
                          && !notes.note().isEmpty()
                          && notes.dead() == 3
                          && p.cards().stream()
                              .allMatch(
                                  c ->
                                      c.pending() == 0
                                          && (!c.eventId().endsWith(".png")
                                              || c.thumbnailWidth() > 0))
                          && p.stats().get("results").equals(String.valueOf(results));
                    },
                    Duration.ofSeconds(60)));
        browser.screenshot(Path.of("target", "view.png"));

        Map<String, PageCards.Results> shown = new LinkedHashMap<>();
        page.byEvent().forEach((id, card) -> shown.put(id, card.results()));
        assertEquals(expected, shown, "the cards say what the topics hold");
        for (PageCards.Shown card : page.cards()) {
          boolean picture = card.eventId().endsWith(".png");
          assertEquals(
              picture ? ShapeRenderer.DEFAULT_SIZE : 0, card.thumbnailWidth(), card.toString());
        }
        assertTrue(
            page.byEvent().get("notes.txt").note().startsWith("no preview: "), page.toString());
        assertEquals(
            3,
            page.byEvent().get("notes.txt").dead(),
            "its tasks get no result, as its letter says");
        assertTrue(
            page.byEvent().containsKey(HOSTILE), "the hostile file name is shown as text: " + page);
        assertEquals(0, page.foreignElements(), page.toString());
        assertEquals("Glimpse live view", page.title(), "no handler from the stream ran");
        assertEquals("live", page.connection());
        assertEquals("1", page.stats().get("deadLetters"));
      }
    }
  }

  private static String find(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    assertTrue(m.find(), "no match for " + regex + " in:\n" + output);
    return m.group(1);
  }
}
