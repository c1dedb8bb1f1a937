package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ExpectedLog;
import dev.glimpse.contract.AnswerResult;
import dev.glimpse.contract.CaptionResult;
import dev.glimpse.contract.CaptionTask;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import dev.glimpse.contract.ImageUri;
import dev.glimpse.contract.InferenceRequest;
import dev.glimpse.contract.ModerationResult;
import dev.glimpse.contract.QuestionTask;
import dev.glimpse.contract.RequestTask;
import dev.glimpse.contract.ResultCacheEntry;
import dev.glimpse.contract.Timings;
import dev.glimpse.kafka.Contract;
import dev.glimpse.kafka.Topic;
import dev.glimpse.kafka.Topics;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExpectedLog({
  "ingest failed on glimpse.images-",
  "Exception caught during Deserialization",
  "Skipping record due to deserialization error",
  "the result cache holds a bad entry"
})
class IngestTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-23T09:00:00Z");

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> images;
  private TestInputTopic<String, ResultCacheEntry> cacheIn;
  private TestOutputTopic<String, InferenceRequest> requests;
  private TestOutputTopic<String, DeadLetter> dlq;
  private TestOutputTopic<String, CaptionResult> captions;
  private TestOutputTopic<String, AnswerResult> answers;
  private TestOutputTopic<String, ModerationResult> moderation;

  @BeforeEach
  void start() {
    start(new HttpImageFetcher(UriPolicy.defaults()));
  }

  private void start(ImageFetcher fetcher) {
    if (driver != null) {
      driver.close();
    }
    IngestConfig config = testConfig();
    Topics topics = Topics.from(Topics.bundledSpecs(), Contract.current());
    Properties props = config.streamsProperties(topics.dlq().name());
    driver =
        new TopologyTestDriver(
            IngestTopology.build(config, topics, fetcher, Clock.fixed(NOW, ZoneOffset.UTC)), props);
    images =
        driver.createInputTopic(
            topics.images().name(),
            Serdes.ByteArray().serializer(),
            Serdes.ByteArray().serializer());
    cacheIn =
        driver.createInputTopic(
            topics.resultCache().name(),
            topics.resultCache().keySerde().serializer(),
            topics.resultCache().valueSerde().serializer());
    requests = output(topics.requests());
    dlq = output(topics.dlq());
    captions = output(topics.captions());
    answers = output(topics.answers());
    moderation = output(topics.moderation());
  }

  static IngestConfig testConfig() {
    return IngestConfig.from(
        Map.of(
            "glimpse.bootstrap.servers",
            "unused:9092",
            "glimpse.model.id",
            "test-model",
            "glimpse.image.max.bytes",
            String.valueOf(BadInputs.MAX_IMAGE_BYTES),
            "glimpse.ingest.state.dir",
            System.getProperty("java.io.tmpdir") + "/ingest-ttd"));
  }

  private <V> TestOutputTopic<String, V> output(Topic<String, V> topic) {
    return driver.createOutputTopic(
        topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void shouldSendOneRequestPerEventCarryingTheImageOnceWithEveryTask() {
    byte[] png = TestImages.png(3);
    images.pipeInput(
        "e1".getBytes(), TestEvents.encode(TestEvents.inline("e1", png, TestEvents.threeTasks())));

    List<TestRecord<String, InferenceRequest>> out = requests.readRecordsToList();
    assertEquals(1, out.size(), "one request per event");
    String sha = HashedEvent.sha256(png);
    InferenceRequest r = out.get(0).value();
    assertEquals(sha, out.get(0).key(), "key is the image hash");
    assertEquals("e1", r.getRequestId());
    assertEquals(sha, r.getImageSha256());
    assertEquals("png", r.getImageFormat());
    assertEquals("test-model", r.getModelId());
    assertEquals(NOW, r.getEnqueuedAt());
    assertArrayEquals(png, bytes(r.getImage()));
    assertEquals(List.of(0, 1, 2), r.getTasks().stream().map(RequestTask::getTaskIndex).toList());
    for (RequestTask t : r.getTasks()) {
      assertTrue(t.getCacheKey().startsWith(sha + ":") && t.getCacheKey().endsWith(":test-model"));
    }
    assertTrue(r.getTasks().get(0).getTask() instanceof CaptionTask);
    assertEquals(
        "What colour is the ball?", ((QuestionTask) r.getTasks().get(1).getTask()).getQuestion());
    assertEquals(null, r.getTask(), "the version 1 single-task fields stay empty");
    assertTrue(dlq.isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.glimpse.stream.BadInputs#all")
  void shouldDeadLetterABadInputWithItsCodeWhileGoodEventsFlow(BadInputs bad) {
    images.pipeInput(
        "good-1".getBytes(),
        TestEvents.encode(TestEvents.inline("good-1", TestImages.png(1), TestEvents.threeTasks())));
    images.pipeInput("bad".getBytes(), bad.value());
    images.pipeInput(
        "good-2".getBytes(),
        TestEvents.encode(TestEvents.inline("good-2", TestImages.png(2), TestEvents.threeTasks())));

    assertEquals(2, requests.readRecordsToList().size(), "both good events go on");
    List<TestRecord<String, DeadLetter>> letters = dlq.readRecordsToList();
    assertEquals(1, letters.size(), "exactly one dead letter");
    DeadLetter letter = letters.get(0).value();
    assertEquals(bad.expected(), letter.getCode(), letter.getMessage());
    assertEquals("glimpse.images", letter.getTopic());
    assertEquals(1L, letter.getOffset(), "the offset of the bad record");
    assertArrayEquals(bad.value(), bytes(letter.getOriginalValue()), "original bytes kept");
    assertArrayEquals("bad".getBytes(), bytes(letter.getOriginalKey()));
    assertTrue(
        letter.getMessage().contains(":"), "message says what to do: " + letter.getMessage());
    assertEquals(NOW, letter.getTimestamp());
  }

  @Test
  void shouldAnswerARepeatFromTheResultCacheAndSendOnlyTheMissesKeyedByEventId() {
    byte[] png = TestImages.png(5);
    images.pipeInput(TestEvents.encode(TestEvents.inline("first", png, TestEvents.threeTasks())));
    InferenceRequest first = requests.readValue();
    assertEquals(3, first.getTasks().size());

    // the worker answered the caption and stored it in the result cache under the task's key
    RequestTask caption = first.getTasks().get(0);
    cacheIn.pipeInput(
        caption.getCacheKey(),
        new ResultCacheEntry(
            new CaptionResult(
                first.getEventId(),
                0,
                "test-model",
                first.getImageSha256(),
                "a white ball on red",
                new Timings(5L, 10L, 100L, 115L),
                false)));

    images.pipeInput(TestEvents.encode(TestEvents.inline("repeat", png, TestEvents.threeTasks())));

    List<TestRecord<String, CaptionResult>> hits = captions.readRecordsToList();
    assertEquals(1, hits.size());
    CaptionResult hit = hits.get(0).value();
    assertEquals("repeat", hits.get(0).key(), "results are keyed by event id");
    assertTrue(hit.getFromCache());
    assertEquals("repeat", hit.getEventId());
    assertEquals(0, hit.getTaskIndex());
    assertEquals("a white ball on red", hit.getCaption());
    assertEquals(0L, hit.getTimings().getTotalMs());
    InferenceRequest misses = requests.readValue();
    assertEquals(
        List.of(1, 2),
        misses.getTasks().stream().map(RequestTask::getTaskIndex).toList(),
        "the question and moderation tasks still go to the worker, together");
    assertTrue(requests.isEmpty() && answers.isEmpty() && moderation.isEmpty() && dlq.isEmpty());
  }

  @Test
  void shouldCarryTheEventsHeadersOntoTheCacheHitAndTheRequestEachWithItsOwnContentType() {
    byte[] png = TestImages.png(6);
    images.pipeInput(TestEvents.encode(TestEvents.inline("first", png, TestEvents.threeTasks())));
    RequestTask caption = requests.readValue().getTasks().get(0);
    cacheIn.pipeInput(
        caption.getCacheKey(),
        new ResultCacheEntry(
            new CaptionResult(
                "first",
                0,
                "test-model",
                HashedEvent.sha256(png),
                "a ball",
                new Timings(1L, 1L, 1L, 3L),
                false)));
    var headers =
        new RecordHeaders()
            .add(
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes())
            .add("content-type", "application/octet-stream".getBytes());

    images.pipeInput(
        new TestRecord<>(
            "repeat".getBytes(),
            TestEvents.encode(TestEvents.inline("repeat", png, TestEvents.threeTasks())),
            headers));

    var hit = captions.readRecord().headers();
    var request = requests.readRecord().headers();
    assertEquals(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        new String(hit.lastHeader("traceparent").value()));
    assertEquals(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        new String(request.lastHeader("traceparent").value()));
    assertEquals(
        "application/vnd.glimpse.captionresult.v1+avro",
        new String(hit.lastHeader("content-type").value()));
    assertEquals(
        "application/vnd.glimpse.inferencerequest.v2+avro",
        new String(request.lastHeader("content-type").value()));
    assertEquals(
        1, StreamSupport.stream(request.headers("content-type").spliterator(), false).count());
  }

  @Test
  void shouldKeyTheDeadLetterOfAnUndecodableRecordByThatRecordsKey() {
    images.pipeInput("camera-7".getBytes(), "not avro at all".getBytes());

    TestRecord<String, DeadLetter> letter = dlq.readRecord();
    assertEquals("camera-7", letter.key());
    assertEquals(ErrorCode.NOT_AVRO, letter.value().getCode());
    assertEquals(
        "application/vnd.glimpse.deadletter.v2+avro",
        new String(letter.headers().lastHeader("content-type").value()));
  }

  @Test
  void shouldSendNoRequestWhenEveryTaskIsCached() {
    byte[] png = TestImages.png(4);
    images.pipeInput(TestEvents.encode(TestEvents.inline("a", png, List.of(new CaptionTask()))));
    InferenceRequest asked = requests.readValue();
    cacheIn.pipeInput(
        asked.getTasks().get(0).getCacheKey(),
        new ResultCacheEntry(
            new CaptionResult(
                "a",
                0,
                "test-model",
                asked.getImageSha256(),
                "a ball",
                new Timings(1L, 1L, 1L, 3L),
                false)));

    images.pipeInput(TestEvents.encode(TestEvents.inline("b", png, List.of(new CaptionTask()))));

    assertEquals("a ball", captions.readValue().getCaption());
    assertTrue(requests.isEmpty());
  }

  @Test
  void shouldSkipAResultCacheRecordThatIsNotAnEntryAndKeepServing() {
    driver
        .createInputTopic(
            "glimpse.result-cache", Serdes.String().serializer(), Serdes.ByteArray().serializer())
        .pipeInput("some-key", "not avro".getBytes());

    images.pipeInput(
        TestEvents.encode(TestEvents.inline("after", TestImages.png(9), TestEvents.threeTasks())));

    assertEquals(1, requests.readValuesToList().size());
    assertTrue(dlq.isEmpty());
  }

  @Test
  void shouldServeAnEntryOfAnotherKindUnderACaptionsKeyAsAMiss() {
    byte[] png = TestImages.png(7);
    images.pipeInput(
        TestEvents.encode(TestEvents.inline("first", png, List.of(new CaptionTask()))));
    InferenceRequest first = requests.readValue();
    cacheIn.pipeInput(
        first.getTasks().get(0).getCacheKey(),
        new ResultCacheEntry(
            new AnswerResult(
                "x",
                0,
                "test-model",
                first.getImageSha256(),
                "a question",
                "an answer",
                new Timings(1L, 1L, 1L, 3L),
                false)));

    images.pipeInput(
        TestEvents.encode(TestEvents.inline("repeat", png, List.of(new CaptionTask()))));

    assertEquals("repeat", requests.readValue().getEventId(), "the caption goes to the worker");
    assertTrue(captions.isEmpty() && answers.isEmpty() && dlq.isEmpty());
  }

  @Test
  void shouldNotAnswerADifferentQuestionAboutTheSameImageFromTheCache() {
    byte[] png = TestImages.png(6);
    images.pipeInput(
        TestEvents.encode(TestEvents.inline("a", png, List.of(new QuestionTask("  Is it red? ")))));
    String asked = requests.readValue().getTasks().get(0).getCacheKey();
    images.pipeInput(
        TestEvents.encode(TestEvents.inline("b", png, List.of(new QuestionTask("Is it red?")))));
    assertEquals(
        asked,
        requests.readValue().getTasks().get(0).getCacheKey(),
        "surrounding blanks do not change the fingerprint");

    images.pipeInput(
        TestEvents.encode(TestEvents.inline("c", png, List.of(new QuestionTask("Is it blue?")))));
    assertFalse(asked.equals(requests.readValue().getTasks().get(0).getCacheKey()));
  }

  @Test
  void shouldDeadLetterAnUnexpectedFailureAsInternalErrorAndKeepGoing() {
    start(
        (uri, max) -> {
          throw new IllegalStateException("boom");
        });
    images.pipeInput(uriCaptionEvent());
    images.pipeInput(
        TestEvents.encode(TestEvents.inline("good", TestImages.png(1), TestEvents.threeTasks())));

    DeadLetter letter = internalErrorOfTheFirstRecord();
    assertEquals(1, requests.readValuesToList().size());
  }

  static Stream<Error> errorsOfOneRecord() {
    return Stream.of(
        new StackOverflowError(),
        new OutOfMemoryError("Java heap space"),
        new AssertionError("a library's invariant"));
  }

  @ParameterizedTest
  @MethodSource("errorsOfOneRecord")
  void shouldDeadLetterAnErrorOneRecordCausesAndKeepGoing(Error error) {
    start(
        (uri, max) -> {
          throw error;
        });
    images.pipeInput(uriCaptionEvent());
    images.pipeInput(
        TestEvents.encode(TestEvents.inline("good", TestImages.png(1), TestEvents.threeTasks())));

    DeadLetter letter = internalErrorOfTheFirstRecord();
    assertTrue(
        letter.getMessage().contains("in step validate")
            && letter.getMessage().contains(error.toString()),
        letter.getMessage());
    assertFalse(letter.getMessage().contains("null"), letter.getMessage());
    assertTrue(dlq.isEmpty());
    assertEquals(
        List.of("good"),
        requests.readValuesToList().stream().map(InferenceRequest::getEventId).toList());
  }

  @Test
  void shouldStillStopOnAnErrorOfTheJvmItself() {
    start(
        (uri, max) -> {
          throw new InternalError("the JVM is in trouble");
        });
    Throwable thrown =
        Assertions.assertThrows(Throwable.class, () -> images.pipeInput(uriCaptionEvent()));
    Throwable root = thrown;
    while (!(root instanceof InternalError) && root.getCause() != null) {
      root = root.getCause();
    }
    assertTrue(root instanceof InternalError, "escaped: " + thrown);
    assertTrue(dlq.isEmpty(), "no dead letter: the record is not to blame");
  }

  @Test
  void shouldPointAtAnOriginalTooLargeToCopyInsteadOfCopyingIt() {
    byte[] big = new byte[(int) testConfig().maxDeadLetterOriginalBytes() + 1];

    images.pipeInput(big);

    DeadLetter letter = dlq.readValue();
    assertEquals(ErrorCode.NOT_AVRO, letter.getCode());
    assertEquals(null, letter.getOriginalValue());
    assertTrue(letter.getMessage().contains("read it at the topic, partition and offset"));
  }

  @Test
  void shouldCarryTheFetchedBytesOfAUriImageIntoTheRequests() {
    byte[] png = TestImages.png(8);
    start((uri, max) -> uri.toString().equals("https://images.example/cat.png") ? png : null);

    images.pipeInput(
        TestEvents.encode(
            TestEvents.uri("u", "https://images.example/cat.png", TestEvents.threeTasks())));

    List<InferenceRequest> out = requests.readValuesToList();
    assertEquals(1, out.size());
    assertArrayEquals(png, bytes(out.get(0).getImage()));
    assertEquals(HashedEvent.sha256(png), out.get(0).getImageSha256());
  }

  /** A caption event of an image by URI: offset 0 of the images topic, where the fetcher throws. */
  private static byte[] uriCaptionEvent() {
    return TestEvents.encode(
        TestEvents.event(
            "u", new ImageUri("https://example.com/x.png"), List.of(new CaptionTask())));
  }

  /** The dead letter of the first record, coded INTERNAL_ERROR. */
  private DeadLetter internalErrorOfTheFirstRecord() {
    DeadLetter letter = dlq.readValue();
    assertEquals(ErrorCode.INTERNAL_ERROR, letter.getCode(), letter.getMessage());
    assertEquals(0L, letter.getOffset());
    return letter;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
