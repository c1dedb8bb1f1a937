package dev.glimpse.ops.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ImageEvent;
import dev.glimpse.contract.InlineImage;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.ModerationTask;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.contract.Timings;
import dev.glimpse.kafka.BrokerWithTopics;
import dev.glimpse.kafka.TopicBytes;
import dev.glimpse.stream.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page in a real headless Chromium, fed by a real broker: records written to the topics turn
 * into cards that appear and fill in without a reload, user data stays text, and only the newest
 * cards stay. The pipeline with the model behind the same page: {@code DemoViewIT}.
 */
class LiveViewBrowserIT {
  private static final Duration PAGE_WAIT = Duration.ofSeconds(60);
  private static final String HOSTILE_ID = "<img src=x onerror=\"document.title='pwned'\">event";

  @RegisterExtension static final BrokerWithTopics kafka = new BrokerWithTopics();

  @TempDir Path tmp;

  @BeforeAll
  static void needsChromium() {
    assumeTrue(HeadlessChromium.binary().isPresent(), HeadlessChromium.MISSING);
  }

  @Test
  void cardsAppearAndFillInWithoutReloadKeepUserDataAsTextAndOnlyTheNewestStay() throws Exception {
    Path chromium = HeadlessChromium.binary().orElseThrow();
    Map<String, String> client = Map.of("bootstrap.servers", kafka.bootstrapServers());
    try (StandaloneView view =
            StandaloneView.start(
                client,
                kafka.topics(),
                new ViewSettings(3, 192, 16_000_000L),
                "127.0.0.1",
                0,
                true,
                "--http-port");
        KafkaProducer<String, byte[]> producer = producer();
        HeadlessChromium browser = HeadlessChromium.open(chromium, tmp, view.url(), 1280, 900)) {
      // 1. an empty, connected page; a mark that a reload would wipe
      browser.await(
          PageCards.script(), v -> PageCards.parse(v).connection().equals("live"), PAGE_WAIT);
      browser.evaluate("window.glimpseMark = 'not reloaded'");

      // 2. an event with a hostile id: a card with its picture and three pending tasks
      TopicBytes.send(
          producer,
          kafka.topics().images(),
          HOSTILE_ID,
          event(HOSTILE_ID, TestImages.noisyPng(600, 400)));
      PageCards.Shown pending =
          card(browser, HOSTILE_ID, c -> c.pending() == 3 && c.thumbnailWidth() > 0);
      assertEquals(192, pending.thumbnailWidth(), "600x400 is downscaled server-side to 192 px");

      // 3. its results, one by one on three topics, and a dead letter for another event
      TopicBytes.send(
          producer,
          kafka.topics().captions(),
          HOSTILE_ID,
          new CaptionResult(
              HOSTILE_ID, 0, "m", "sha", "a <b>bold</b> & \"quoted\" caption", timings(), false));
      TopicBytes.send(
          producer,
          kafka.topics().answers(),
          HOSTILE_ID,
          new AnswerResult(
              HOSTILE_ID,
              1,
              "m",
              "sha",
              "what is <script>alert(1)</script>?",
              "</span><img src=x onerror=alert(2)>",
              timings(),
              false));
      TopicBytes.send(
          producer,
          kafka.topics().moderation(),
          HOSTILE_ID,
          new ModerationResult(
              HOSTILE_ID,
              2,
              "m",
              "sha",
              Map.of("violence", 0.8125, "<i>nsfw</i>", 0.03125),
              true,
              timings(),
              false,
              Map.of(),
              Map.of()));
      TopicBytes.send(
          producer,
          kafka.topics().dlq(),
          "broken",
          new DeadLetter(
              ErrorCode.NOT_AN_IMAGE,
              "the bytes are <b>not</b> an image: send PNG, JPEG, WebP or GIF",
              kafka.topics().images().name(),
              0,
              1L,
              null,
              null,
              "broken",
              null,
              Instant.now()));
      PageCards.Page page =
          PageCards.parse(
              browser.await(
                  PageCards.script(),
                  v -> {
                    Map<String, PageCards.Shown> cards = PageCards.parse(v).byEvent();
                    return cards.containsKey("broken") && cards.get(HOSTILE_ID).pending() == 0;
                  },
                  PAGE_WAIT));
      PageCards.Shown filled = page.byEvent().get(HOSTILE_ID);
      assertEquals(List.of("a <b>bold</b> & \"quoted\" caption"), filled.captions());
      assertEquals(
          List.of(
              new PageCards.Answer(
                  "what is <script>alert(1)</script>?", "</span><img src=x onerror=alert(2)>")),
          filled.answers());
      assertEquals(
          List.of(
              new PageCards.Moderation(true, Map.of("violence", 0.8125, "<i>nsfw</i>", 0.03125))),
          filled.moderation());
      assertEquals(
          List.of(
              new PageCards.Letter(
                  "NOT_AN_IMAGE",
                  "the bytes are <b>not</b> an image: send PNG, JPEG, WebP or GIF")),
          page.byEvent().get("broken").deadLetters());
      assertEquals(0, page.foreignElements(), "nothing from the stream became an element: " + page);
      assertEquals("Glimpse live view", page.title(), "no handler from the stream ran");
      assertEquals("not reloaded", browser.evaluate("window.glimpseMark").asText());

      // 4. three more events: the board keeps three cards, the newest first; the oldest picture
      // goes. One key, so one partition: the view sees them in the order they were sent (across
      // partitions a fetch may hand them over in any order)
      long hostileSeq = filled.seq();
      for (int i = 0; i < 3; i++) {
        TopicBytes.send(
            producer, kafka.topics().images(), "later", event("later-" + i, TestImages.png(i)));
      }
      page =
          PageCards.parse(
              browser.await(
                  PageCards.script(),
                  v ->
                      PageCards.parse(v).cards().stream()
                          .map(PageCards.Shown::eventId)
                          .toList()
                          .equals(List.of("later-2", "later-1", "later-0")),
                  PAGE_WAIT));
      assertEquals(
          List.of("later-2", "later-1", "later-0"),
          page.cards().stream().map(PageCards.Shown::eventId).toList());
      // the numbers at the top count everything seen, dropped cards included (4 events, 3 results,
      // 1 letter)
      page =
          PageCards.parse(
              browser.await(
                  PageCards.script(),
                  v -> PageCards.parse(v).stats().get("events").equals("4"),
                  PAGE_WAIT));
      assertEquals(
          Map.of("events", "4", "results", "3", "deadLetters", "1"),
          Map.of(
              "events",
              page.stats().get("events"),
              "results",
              page.stats().get("results"),
              "deadLetters",
              page.stats().get("deadLetters")));
      assertTrue(page.stats().get("latencyP50").endsWith(" ms"), page.stats().toString());
      assertEquals("not reloaded", browser.evaluate("window.glimpseMark").asText());
      browser.screenshot(Path.of("target", "view-broker.png"));

      // 5. what the server sends: the picture as a PNG, the page under a policy that runs only its
      // own script
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<byte[]> thumb =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(view.url() + "thumb/" + page.cards().get(0).seq() + ".png"))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, thumb.statusCode());
      assertEquals("image/png", thumb.headers().firstValue("Content-Type").orElse(""));
      assertEquals("nosniff", thumb.headers().firstValue("X-Content-Type-Options").orElse(""));
      HttpResponse<String> gone =
          http.send(
              HttpRequest.newBuilder(URI.create(view.url() + "thumb/" + hostileSeq + ".png"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(404, gone.statusCode(), "a dropped card's thumbnail is freed");
      HttpResponse<String> index =
          http.send(
              HttpRequest.newBuilder(URI.create(view.url())).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(LiveView.CSP, index.headers().firstValue("Content-Security-Policy").orElse(""));
      assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    }
  }

  private static PageCards.Shown card(
      HeadlessChromium browser, String eventId, Predicate<PageCards.Shown> done) throws Exception {
    return PageCards.parse(
            browser.await(
                PageCards.script(),
                v -> {
                  PageCards.Shown c = PageCards.parse(v).byEvent().get(eventId);
                  return c != null && done.test(c);
                },
                PAGE_WAIT))
        .byEvent()
        .get(eventId);
  }

  private static ImageEvent event(String id, byte[] png) {
    return ImageEvent.newBuilder()
        .setEventId(id)
        .setClientId("test")
        .setSource("camera-7")
        .setTimestamp(Instant.now())
        .setImage(new InlineImage(ByteBuffer.wrap(png), "image/png"))
        .setTasks(
            List.of(
                new CaptionTask(),
                new QuestionTask("what is <script>alert(1)</script>?"),
                new ModerationTask(List.of())))
        .build();
  }

  private static Timings timings() {
    return new Timings(1L, 2L, 3L, 6L);
  }

  private static KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }
}
