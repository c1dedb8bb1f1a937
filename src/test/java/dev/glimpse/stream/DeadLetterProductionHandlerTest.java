package dev.glimpse.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ExpectedLog;
import dev.glimpse.contract.DeadLetter;
import dev.glimpse.contract.ErrorCode;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterProductionHandlerTest {

  /** The context Kafka Streams hands a handler, for a record read at glimpse.images-2@41. */
  private record Source(byte[] sourceRawKey, byte[] sourceRawValue) implements ErrorHandlerContext {
    public String topic() {
      return "glimpse.images";
    }

    public int partition() {
      return 2;
    }

    public long offset() {
      return 41;
    }

    public Headers headers() {
      return new RecordHeaders();
    }

    public String processorNodeId() {
      return "requests";
    }

    public TaskId taskId() {
      return new TaskId(0, 2);
    }

    public long timestamp() {
      return 0;
    }
  }

  private final DeadLetterProductionHandler handler = new DeadLetterProductionHandler();

  {
    handler.configure(
        Map.of("glimpse.dlq.topic", "glimpse.dlq", "glimpse.dlq.max.original.bytes", "10"));
  }

  @ExpectedLog("goes to glimpse.dlq")
  @Test
  void anOutputTooLargeForTheBrokerDeadLettersItsSourceAndTheStreamGoesOn() throws Exception {
    var response =
        handler.handleError(
            new Source("k".getBytes(), new byte[] {1, 2, 3}),
            new ProducerRecord<>("glimpse.requests", new byte[0], new byte[0]),
            new RecordTooLargeException("too big"));

    assertEquals(Result.RESUME, response.result());
    assertEquals(1, response.deadLetterQueueRecords().size());
    var record = response.deadLetterQueueRecords().get(0);
    assertEquals("glimpse.dlq", record.topic());
    DeadLetter letter = DeadLetter.getDecoder().decode(record.value());
    assertEquals(ErrorCode.IMAGE_TOO_LARGE, letter.getCode());
    assertEquals(41L, letter.getOffset());
    assertArrayEquals(new byte[] {1, 2, 3}, letter.getOriginalValue().array());
    assertTrue(letter.getMessage().contains("max.message.bytes"), letter.getMessage());
  }

  @Test
  void aTransientErrorIsRetried() {
    var response =
        handler.handleError(
            new Source(null, new byte[0]),
            new ProducerRecord<>("glimpse.requests", new byte[0], new byte[0]),
            new TimeoutException("broker slow"));
    assertEquals(Result.RETRY, response.result());
  }
}
